"""cffi build script: compiles the C core (runtime/) into ``earshot._core``.

The same sources SCons builds; the list is read from the tree so nothing is
maintained twice.
"""

from __future__ import annotations

import os
from pathlib import Path

from cffi import FFI

ROOT = Path(__file__).resolve().parents[2]

CDEF = """
typedef int es_status_t;
const char *es_status_str(es_status_t status);
const char *es_op_name(int32_t builtin_code);

typedef struct {
    void *data;
    uint32_t bytes;
    const int32_t *dims;
    uint8_t type;
    uint8_t ndim;
    uint8_t is_const;
    float scale;
    int32_t zero_point;
    uint16_t n_scales;
    ...;
} es_tensor_t;

typedef struct {
    uint32_t tensors; uint32_t inputs; uint32_t outputs; uint32_t operators;
    uint32_t n_tensors; uint32_t n_inputs; uint32_t n_outputs; uint32_t n_operators;
} es_model_subgraph_t;
typedef struct {
    const char *error; int32_t error_op; uint32_t n_subgraphs; es_model_subgraph_t subgraphs[8]; ...;
} es_model_t;
int32_t es_model_op_code(const es_model_t *model, uint32_t sg, uint32_t op);
typedef struct { ...; } es_hal_ops_t;
const es_hal_ops_t *es_py_backend(int which);
typedef struct {
    const char *error; int32_t error_op_index; int32_t error_op_code; size_t head; size_t tail; size_t arena_size; ...;
} es_interp_t;

es_status_t es_model_load(es_model_t *model, const void *data, size_t size);
typedef struct { int compat; } es_interp_options_t;
es_status_t es_interp_prepare(es_interp_t *interp, const es_model_t *model, const es_hal_ops_t *hal,
                              void *arena, size_t arena_size, const es_interp_options_t *options);
es_status_t es_interp_invoke(es_interp_t *interp);
es_status_t es_interp_reset(es_interp_t *interp);
size_t es_interp_input_count(const es_interp_t *interp);
size_t es_interp_output_count(const es_interp_t *interp);
es_tensor_t *es_interp_input(es_interp_t *interp, size_t i);
es_tensor_t *es_interp_output(es_interp_t *interp, size_t i);
es_tensor_t *es_interp_tensor(es_interp_t *interp, size_t index);
size_t es_interp_arena_used(const es_interp_t *interp);

typedef struct {
    int sample_rate; int window_ms; int step_ms; int num_channels;
    float lower_band_hz; float upper_band_hz;
    int nr_smoothing_bits; float nr_even_smoothing; float nr_odd_smoothing; float nr_min_signal_remaining;
    int pcan_enable; float pcan_strength; float pcan_offset; int pcan_gain_bits;
    int log_enable; int log_scale_shift;
} es_frontend_config_t;
typedef struct { ...; } es_frontend_t;
void es_frontend_config_default(es_frontend_config_t *cfg);
es_status_t es_frontend_init(es_frontend_t *fe, const es_frontend_config_t *cfg);
void es_frontend_reset(es_frontend_t *fe);
es_status_t es_frontend_process(es_frontend_t *fe, const int16_t *samples, size_t n,
                                size_t *consumed, uint16_t *features, int *produced);

typedef struct {
    double probability_cutoff;
    int sliding_window_size;
    uint32_t refractory_samples;
    int compat;
} es_ww_config_t;
typedef struct {
    uint32_t model;
    uint64_t sample_index;
    double probability;
} es_ww_event_t;
typedef struct { ...; } es_ww_engine_t;
es_status_t es_ww_init(es_ww_engine_t *engine, const es_frontend_config_t *fe_cfg, const es_hal_ops_t *hal);
es_status_t es_ww_add_model(es_ww_engine_t *engine, const void *model_data, size_t model_size, void *arena,
                            size_t arena_size, const es_ww_config_t *cfg, uint32_t *index);
es_status_t es_ww_process(es_ww_engine_t *engine, const int16_t *pcm, size_t n, size_t *consumed,
                          es_ww_event_t *events, size_t max_events, size_t *n_events);
es_status_t es_ww_reset(es_ww_engine_t *engine);
double es_ww_last_probability(const es_ww_engine_t *engine, uint32_t index);
size_t es_ww_arena_used(const es_ww_engine_t *engine, uint32_t index);
"""


def runtime_sources(absolute: bool) -> list[str]:
    """All C sources of the core; relative to the project root for setuptools."""
    paths = sorted((ROOT / "runtime" / "src").rglob("*.c"))
    if absolute:
        return [str(p) for p in paths]
    return [os.path.relpath(p, ROOT) for p in paths]


def make_builder(absolute: bool = False) -> FFI:
    builder = FFI()
    builder.cdef(CDEF)
    builder.set_source(
        "earshot._core",
        '#include "earshot/earshot.h"\n'
        "/* Binding glue: the backends' const tables by index (0 reference, 1 optimized). */\n"
        "static const es_hal_ops_t *es_py_backend(int which) { return which ? &es_hal_opt : &es_hal_ref; }\n",
        sources=runtime_sources(absolute),
        include_dirs=[str(ROOT / "runtime" / "include")],
        extra_compile_args=["-std=c11", "-O3", "-Wall", "-Wextra", "-Wno-unused-parameter"],
        libraries=["m"],
    )
    return builder


ffibuilder = make_builder()

if __name__ == "__main__":
    # Development build: puts earshot/_core*.so next to the package sources.
    make_builder(absolute=True).compile(tmpdir=str(ROOT / "build" / "cffi"), verbose=False)
    for so in (ROOT / "build" / "cffi" / "earshot").glob("_core*.so"):
        os.replace(so, ROOT / "host_tools" / "earshot" / so.name)
