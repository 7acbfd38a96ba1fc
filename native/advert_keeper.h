/* The advert keeper (advert_keeper.c): registers keeperOpen/Frames/Tick/Pause/Close/Stats on the addon's exports. */
#pragma once
#include <node_api.h>

void advert_keeper_register(napi_env env, napi_value exports);
