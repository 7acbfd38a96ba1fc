/* Named network namespaces (netns.c): registers enterNetns on the addon's exports. */
#pragma once
#include <node_api.h>

void netns_register(napi_env env, napi_value exports);
