/* Names of status codes and operators. */
#include "earshot/model.h"
#include "earshot/status.h"

const char *es_status_str(es_status_t status)
{
    switch (status) {
    case ES_OK: return "ES_OK";
    case ES_ERR_ARG: return "ES_ERR_ARG";
    case ES_ERR_NO_MEMORY: return "ES_ERR_NO_MEMORY";
    case ES_ERR_MODEL: return "ES_ERR_MODEL";
    case ES_ERR_UNSUPPORTED_OP: return "ES_ERR_UNSUPPORTED_OP";
    case ES_ERR_UNSUPPORTED: return "ES_ERR_UNSUPPORTED";
    case ES_ERR_SHAPE: return "ES_ERR_SHAPE";
    case ES_ERR_STATE: return "ES_ERR_STATE";
    case ES_ERR_AUDIO_FORMAT: return "ES_ERR_AUDIO_FORMAT";
    case ES_ERR_CONFIG: return "ES_ERR_CONFIG";
    case ES_ERR_IO: return "ES_ERR_IO";
    case ES_ERR_TIMEOUT: return "ES_ERR_TIMEOUT";
    case ES_ERR_PROTOCOL: return "ES_ERR_PROTOCOL";
    case ES_ERR_INTEGRITY: return "ES_ERR_INTEGRITY";
    case ES_ERR_VERSION: return "ES_ERR_VERSION";
    }
    return "ES_ERR_UNKNOWN";
}

typedef struct op_name {
    int32_t code;
    const char *name;
} op_name_t;

/* Builtin operator names (schema.fbs BuiltinOperator), for error messages. */
static const op_name_t op_names[] = {
    {0, "ADD"}, {1, "AVERAGE_POOL_2D"}, {2, "CONCATENATION"}, {3, "CONV_2D"}, {4, "DEPTHWISE_CONV_2D"},
    {5, "DEPTH_TO_SPACE"}, {6, "DEQUANTIZE"}, {7, "EMBEDDING_LOOKUP"}, {8, "FLOOR"}, {9, "FULLY_CONNECTED"},
    {10, "HASHTABLE_LOOKUP"}, {11, "L2_NORMALIZATION"}, {12, "L2_POOL_2D"}, {13, "LOCAL_RESPONSE_NORMALIZATION"},
    {14, "LOGISTIC"}, {15, "LSH_PROJECTION"}, {16, "LSTM"}, {17, "MAX_POOL_2D"}, {18, "MUL"}, {19, "RELU"},
    {20, "RELU_N1_TO_1"}, {21, "RELU6"}, {22, "RESHAPE"}, {23, "RESIZE_BILINEAR"}, {24, "RNN"}, {25, "SOFTMAX"},
    {26, "SPACE_TO_DEPTH"}, {27, "SVDF"}, {28, "TANH"}, {32, "CUSTOM"}, {34, "PAD"},
    {35, "UNIDIRECTIONAL_SEQUENCE_RNN"}, {36, "GATHER"}, {39, "TRANSPOSE"}, {40, "MEAN"}, {41, "SUB"}, {42, "DIV"},
    {43, "SQUEEZE"}, {44, "UNIDIRECTIONAL_SEQUENCE_LSTM"}, {45, "STRIDED_SLICE"}, {47, "EXP"}, {49, "SPLIT"},
    {50, "LOG_SOFTMAX"}, {51, "DELEGATE"}, {53, "CAST"}, {54, "PRELU"}, {55, "MAXIMUM"}, {56, "ARG_MAX"},
    {57, "MINIMUM"}, {59, "NEG"}, {60, "PADV2"}, {65, "SLICE"}, {67, "TRANSPOSE_CONV"}, {70, "EXPAND_DIMS"},
    {74, "SUM"}, {75, "SQRT"}, {76, "RSQRT"}, {83, "PACK"}, {88, "UNPACK"}, {98, "LEAKY_RELU"}, {101, "ABS"},
    {102, "SPLIT_V"}, {114, "QUANTIZE"}, {117, "HARD_SWISH"}, {126, "BATCH_MATMUL"}, {129, "CALL_ONCE"},
    {142, "VAR_HANDLE"}, {143, "READ_VARIABLE"}, {144, "ASSIGN_VARIABLE"},
};

const char *es_op_name(int32_t code)
{
    for (unsigned i = 0; i < sizeof op_names / sizeof op_names[0]; i++) {
        if (op_names[i].code == code) {
            return op_names[i].name;
        }
    }
    return "UNKNOWN";
}
