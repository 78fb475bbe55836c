/* Reference backend entry points shared between its files (private). */
#ifndef EARSHOT_REF_H
#define EARSHOT_REF_H

#include "earshot/hal.h"

es_status_t es__ref_logistic_s8(const es_logistic_params_t *p);
es_status_t es__ref_softmax_s8(const es_softmax_params_t *p);
es_status_t es__ref_lut_s8(const es_lut_params_t *p);
es_status_t es__ref_requant(const es_requant_params_t *p);

#endif /* EARSHOT_REF_H */
