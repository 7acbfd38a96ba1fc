/* TCP connect probes (tcp_probe.c): registers tcpProbeInit/Start/Cancel/Active on the addon's exports. */
#pragma once
#include <node_api.h>

void tcp_probe_register(napi_env env, napi_value exports);
