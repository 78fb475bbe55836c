/**
 * @file sha256.h
 * @brief Streaming SHA-256 (FIPS 180-4). Caller-owned context; no allocation.
 */
#ifndef EARSHOT_SHA256_H
#define EARSHOT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ES_SHA256_SIZE 32

/** Hash state. */
typedef struct es_sha256 {
    uint32_t h[8];
    uint64_t bytes;
    uint8_t block[64];
    size_t used;
} es_sha256_t;

/** Start a new hash. */
void es_sha256_init(es_sha256_t *s);
/** Hash @p len more bytes. */
void es_sha256_update(es_sha256_t *s, const void *data, size_t len);
/** Finish and write the 32-byte digest (the context must be re-initialised to reuse it). */
void es_sha256_final(es_sha256_t *s, uint8_t out[ES_SHA256_SIZE]);
/** One-shot digest of @p len bytes. */
void es_sha256(const void *data, size_t len, uint8_t out[ES_SHA256_SIZE]);

#ifdef __cplusplus
}
#endif

#endif /* EARSHOT_SHA256_H */
