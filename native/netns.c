/*
 * Entering a named network namespace, as `ip netns exec NAME` and keepalived's `net_namespace`
 * do: open /run/netns/NAME and setns(2) to it. setns() moves only the calling thread; called from
 * Node.js's main thread, sockets the main thread opens afterwards, threads it starts afterwards and
 * child processes it spawns are in the namespace, and /proc/self/net (the thread group leader's)
 * shows it. Threads started before (libuv's pool, V8's) stay where they were.
 *
 * setns() is glibc 2.14; nothing newer is used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

#include "napi_args.h"
#include "netns.h"

#define NETNS_DIR "/run/netns/"
/* A file name: NAME_MAX bytes at most, without its NUL. */
#define NETNS_NAME_MAX 255

static napi_value throw_errno_at(napi_env env, const char *what, int err) {
  char message[320];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  char name_buf[64];
  uv_err_name_r(-err, name_buf, sizeof name_buf);
  const char *name = strncmp(name_buf, "Unknown", 7) == 0 ? "EUNKNOWN" : name_buf;
  napi_value msg, error, code, errnum;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_int32(env, err, &errnum);
  napi_set_named_property(env, error, "code", code);
  napi_set_named_property(env, error, "errno", errnum);
  napi_throw(env, error);
  return NULL;
}

/* enterNetns(name): this thread into the network namespace /run/netns/<name>. The name is one
 * path component: 1..255 bytes, no '/' and no NUL, not "." or "..". */
static napi_value js_enter_netns(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!addon_get_args(env, info, 1, argv)) return NULL;
  napi_valuetype t;
  if (napi_typeof(env, argv[0], &t) != napi_ok || t != napi_string) {
    napi_throw_type_error(env, NULL, "enterNetns(name) takes a string");
    return NULL;
  }
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "enterNetns(name) takes a string");
    return NULL;
  }
  if (len == 0 || len > NETNS_NAME_MAX) {
    napi_throw_range_error(env, NULL, "enterNetns: the name must be 1 to 255 bytes");
    return NULL;
  }
  char path[sizeof NETNS_DIR + NETNS_NAME_MAX + 1];
  memcpy(path, NETNS_DIR, sizeof NETNS_DIR - 1);
  char *name = path + sizeof NETNS_DIR - 1;
  size_t copied = 0;
  /* room for len bytes and the NUL, which the call always writes */
  if (napi_get_value_string_utf8(env, argv[0], name, NETNS_NAME_MAX + 1, &copied) != napi_ok || copied != len) {
    napi_throw_type_error(env, NULL, "enterNetns(name) takes a string");
    return NULL;
  }
  if (memchr(name, '/', copied) != NULL || strlen(name) != copied || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
    napi_throw_range_error(env, NULL, "enterNetns: the name must be a single path component");
    return NULL;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return throw_errno_at(env, path, errno);
  if (setns(fd, CLONE_NEWNET) != 0) {
    int err = errno;
    close(fd);
    return throw_errno_at(env, "setns", err);
  }
  close(fd);
  return NULL;
}

void netns_register(napi_env env, napi_value exports) {
  napi_property_descriptor fns[] = {
      {"enterNetns", NULL, js_enter_netns, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
}
