/**
 * @file status.h
 * @brief The one status enum every Earshot function returns.
 *
 * Zero is success; every error is negative. The Python binding maps each code
 * one-to-one to an exception class (see host_tools/earshot/errors.py), so new
 * codes must be added there too.
 */
#ifndef EARSHOT_STATUS_H
#define EARSHOT_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/** Result of every fallible Earshot call. */
typedef enum es_status {
    ES_OK = 0,                  /**< Success. */
    ES_ERR_ARG = -1,            /**< A NULL pointer or out-of-range argument. */
    ES_ERR_NO_MEMORY = -2,      /**< The caller's arena or fixed table is too small. */
    ES_ERR_MODEL = -3,          /**< The model bytes are malformed (bad offset, length, index). */
    ES_ERR_UNSUPPORTED_OP = -4, /**< The model uses an operator this build lacks. */
    ES_ERR_UNSUPPORTED = -5,    /**< A tensor type, option or shape the kernels do not handle. */
    ES_ERR_SHAPE = -6,          /**< Tensor shapes are inconsistent. */
    ES_ERR_STATE = -7,          /**< Call out of order (e.g. invoke before prepare). */
    ES_ERR_AUDIO_FORMAT = -8,   /**< Audio is not in the required format. */
    ES_ERR_CONFIG = -9,         /**< A configuration value is invalid. */
    ES_ERR_IO = -10,            /**< A driver reported an I/O failure. */
    ES_ERR_TIMEOUT = -11,       /**< A driver or peer did not answer in time. */
    ES_ERR_PROTOCOL = -12,      /**< A malformed or unexpected protocol frame. */
    ES_ERR_INTEGRITY = -13,     /**< A checksum or hash did not match. */
    ES_ERR_VERSION = -14        /**< A protocol or format version is not supported. */
} es_status_t;

/** Short, stable, human-readable name of a status code ("ES_ERR_MODEL"). */
const char *es_status_str(es_status_t status);

#ifdef __cplusplus
}
#endif

#endif /* EARSHOT_STATUS_H */
