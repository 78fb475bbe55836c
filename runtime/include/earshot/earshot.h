/**
 * @file earshot.h
 * @brief Umbrella header of the Earshot C core (prefix `es_`).
 */
#ifndef EARSHOT_EARSHOT_H
#define EARSHOT_EARSHOT_H

#include "earshot/frontend.h"
#include "earshot/hal.h"
#include "earshot/interp.h"
#include "earshot/model.h"
#include "earshot/status.h"
#include "earshot/wakeword.h"

/** Version of the C core. */
#define ES_VERSION_STRING "0.1.0"

#endif /* EARSHOT_EARSHOT_H */
