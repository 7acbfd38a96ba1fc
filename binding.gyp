{
  "targets": [
    {
      "target_name": "keepalived_ts_native",
      "sources": ["native/sockets.c", "native/tcp_probe.c", "native/advert_keeper.c", "native/netns.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
