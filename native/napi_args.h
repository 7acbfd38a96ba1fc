/* Argument helpers shared by the addon's files (defined in sockets.c). */
#pragma once
#include <stddef.h>
#include <node_api.h>

/* The first `want` arguments into argv; NULL (a TypeError thrown) when fewer were given. */
napi_value addon_get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);
/* A Uint8Array argument; null or undefined give len 0 and data NULL; 0 for anything else. */
int addon_arg_bytes(napi_env env, napi_value v, void **data, size_t *len);
