/**
 * @file qemu_plugin_api.h
 * @brief The few declarations of QEMU's TCG plugin C API (plugin API version 1,
 *        QEMU 7.2) that insn_count.c uses, written from the API's documentation
 *        because Debian's qemu packages do not ship qemu-plugin.h. The functions
 *        are resolved against the qemu-system-* executable when QEMU loads the
 *        plugin (-plugin FILE.so,...).
 */
#ifndef EARSHOT_QEMU_PLUGIN_API_H
#define EARSHOT_QEMU_PLUGIN_API_H

#include <stddef.h>
#include <stdint.h>

#define ES_QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
/** The API level this plugin was written against (QEMU 7.2 accepts 1). */
#define ES_QEMU_PLUGIN_API_VERSION 1

typedef uint64_t qemu_plugin_id_t;

/** Opaque here: only passed through. */
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS = 0 };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 = 0 };

typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

/* Exported by the plugin */
extern ES_QEMU_PLUGIN_EXPORT int qemu_plugin_version;
ES_QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv);

/* Provided by QEMU */
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op, void *ptr,
                                                uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);

#endif /* EARSHOT_QEMU_PLUGIN_API_H */
