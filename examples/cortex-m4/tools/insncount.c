/*
 * insncount: exact guest-instruction counter for QEMU 7.2 TCG (plugin API v1).
 *
 * Provenance: copied, but for this paragraph and the profile option, from the MCU
 * toolchain notes shared with this project (shared/mcu/plugin/insncount.c,
 * which states no licence of its own), so that CI builds it from the
 * repository. Its companion shared/mcu/selftest.sh checks it against asm
 * loops of known length and against QEMU's own `-singlestep -d exec` trace.
 *
 * Every translated guest instruction gets an inline "counter += 1" op, so the
 * count is exact even when a translation block is left early. Callbacks on the
 * first instruction of the marker functions snapshot the counter:
 *
 *   window count = instructions executed from the first instruction of
 *                  `start` (inclusive) up to the first instruction of `end`
 *                  (exclusive).
 *
 * Args:  start=0xADDR,end=0xADDR[,out=FILE]   (Thumb bit is ignored)
 * Build: gcc -O2 -shared -fPIC -fvisibility=hidden -o libinsncount.so insncount.c
 * Use:   qemu-system-arm ... -plugin ./libinsncount.so,start=0x..,end=0x..,out=f
 * Output (to FILE, else stderr), one line per closed window, then at exit
 * (also on SIGTERM from `timeout`) the open window, if any, and the total:
 *   window 0 42
 *   open-window 7
 *   total 12345
 * Instructions of exception handlers that run inside a window are counted.
 *
 * Profile (this project's addition): with profile=FILE[,window=N] it also
 * counts every instruction address (halfword-granular, first 1 MiB: the
 * flash of mps2-an386) and writes, at exit, "ADDR COUNT" lines (hex address)
 * for window N (default 0). benches/cortex-m4/profile.sh annotates a
 * disassembly with them.
 *
 * Only the handful of API declarations needed are written out below; they
 * match QEMU 7.2 (Debian bookworm), plugin API version 1. For another QEMU
 * release, check them against its include/qemu/qemu-plugin.h.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;
typedef struct {
    const char *target_name;
    struct { int min; int cur; } version;
    bool system_emulation;
    union { struct { int smp_vcpus; int max_vcpus; } system; };
} qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int, void *);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t, void *);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, qemu_plugin_vcpu_tb_trans_cb_t);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *, enum qemu_plugin_op,
                                                void *, uint64_t);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *, qemu_plugin_vcpu_udata_cb_t,
                                            enum qemu_plugin_cb_flags, void *);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, qemu_plugin_udata_cb_t, void *);

EXPORT int qemu_plugin_version = 1;

static uint64_t total;          /* all guest instructions executed (1 vCPU) */
static uint64_t start_snap;
static bool active;
static unsigned windows;
static uint64_t start_addr = UINT64_MAX, end_addr = UINT64_MAX;
static FILE *out;

/* The optional per-address profile: one counter per halfword (Thumb
 * instructions start on halfword boundaries) of the first 1 MiB. */
#define PROFILE_SLOTS (1u << 19)
static uint64_t *counts, *snapshot, *profile;
static unsigned profile_window;
static FILE *profile_out;

static void on_start(unsigned int vcpu, void *u)
{
    (void)vcpu; (void)u;
    if (!active) {
        active = true;
        start_snap = total;
        if (counts && windows == profile_window)
            memcpy(snapshot, counts, PROFILE_SLOTS * sizeof *counts);
    }
}

static void on_end(unsigned int vcpu, void *u)
{
    (void)vcpu; (void)u;
    if (active) {
        active = false;
        if (counts && windows == profile_window)
            for (size_t i = 0; i < PROFILE_SLOTS; i++)
                profile[i] = counts[i] - snapshot[i];
        fprintf(out, "window %u %" PRIu64 "\n", windows++, total - start_snap);
        fflush(out);
    }
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t va = qemu_plugin_insn_vaddr(insn);
        /* The marker callbacks and the inline add sit on the same
         * instruction in the same order at both markers, so the difference
         * of the two snapshots is exactly the [start, end) count. */
        if (va == start_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start, QEMU_PLUGIN_CB_NO_REGS, NULL);
        if (va == end_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, NULL);
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &total, 1);
        if (counts && va / 2 < PROFILE_SLOTS)
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &counts[va / 2], 1);
    }
}

static void on_exit_cb(qemu_plugin_id_t id, void *u)
{
    (void)id; (void)u;
    if (active)
        fprintf(out, "open-window %" PRIu64 "\n", total - start_snap);
    fprintf(out, "total %" PRIu64 "\n", total);
    fflush(out);
    if (profile_out) {
        for (size_t i = 0; i < PROFILE_SLOTS; i++)
            if (profile[i])
                fprintf(profile_out, "%zx %" PRIu64 "\n", i * 2, profile[i]);
        fclose(profile_out);
    }
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    const char *path = NULL, *profile_path = NULL;
    if (info->system_emulation && info->system.max_vcpus > 1) {
        fprintf(stderr, "insncount: only single-vCPU guests are supported\n");
        return -1;
    }
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "start=", 6) == 0)
            start_addr = strtoull(argv[i] + 6, NULL, 0) & ~1ULL;
        else if (strncmp(argv[i], "end=", 4) == 0)
            end_addr = strtoull(argv[i] + 4, NULL, 0) & ~1ULL;
        else if (strncmp(argv[i], "out=", 4) == 0)
            path = argv[i] + 4;
        else if (strncmp(argv[i], "profile=", 8) == 0)
            profile_path = argv[i] + 8;
        else if (strncmp(argv[i], "window=", 7) == 0)
            profile_window = (unsigned)strtoul(argv[i] + 7, NULL, 0);
        else {
            fprintf(stderr, "insncount: unknown arg %s\n", argv[i]);
            return -1;
        }
    }
    out = path ? fopen(path, "w") : stderr;
    if (!out) {
        perror("insncount: out");
        return -1;
    }
    if (profile_path) {
        counts = calloc(PROFILE_SLOTS, sizeof *counts);
        snapshot = calloc(PROFILE_SLOTS, sizeof *snapshot);
        profile = calloc(PROFILE_SLOTS, sizeof *profile);
        profile_out = fopen(profile_path, "w");
        if (!counts || !snapshot || !profile || !profile_out) {
            perror("insncount: profile");
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
    qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
    return 0;
}
