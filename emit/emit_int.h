/* emit_int.h: what the emit/ files share: a growing text buffer with the quoting each format
 * needs, and the plan read as processes (one per placed replica), which every target formats. */
#ifndef FEDPLAN_EMIT_INT_H
#define FEDPLAN_EMIT_INT_H

#include <stdint.h>

#include "emit.h"

/* ---------------------------------------------------------------- text */

typedef struct eb {
    char *p;
    size_t len, cap;
    int oom; /* an append failed: the text is incomplete (emit_add refuses it) */
} eb;

void eb_printf(eb *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void eb_puts(eb *b, const char *s);
/* s as a double-quoted JSON string, which is also a YAML double-quoted scalar */
void eb_quoted(eb *b, const char *s);
/* s as one POSIX shell word: bare when it holds only safe characters, else single-quoted */
void eb_shword(eb *b, const char *s);
void eb_free(eb *b);
/* Add b's text as path to set; b is emptied (the set owns its memory).  0 or -1 with err. */
int emit_add(emit_set *set, const char *path, eb *b, int executable, fp_error *err);

/* ---------------------------------------------------------------- the plan as processes */

typedef enum {
    EP_VLLM,     /* vllm serve: an OpenAI-compatible server */
    EP_LLAMACPP, /* llama-server, in host memory */
    EP_HF,       /* transformers inference: the user's own program */
    EP_TRAIN,    /* a training job: torchrun (DeepSpeed) or accelerate launch (FSDP) */
    EP_FIXED     /* a fixed memory size: fedplan knows no runtime to start */
} ep_kind;

#define EP_PORT_BASE 8000

typedef struct ep_proc {
    size_t node;            /* index into the plan's nodes */
    uint32_t dep, replica, variant;
    ep_kind kind;
    uint32_t gpu[SCN_MAX_JOB_GPUS]; /* the GPUs its shards are on, ascending */
    size_t ngpus;           /* 0: host memory */
    int shares_gpu;         /* 1: one of its GPUs also holds another process */
    long after;             /* the process on a GPU it shares that starts before it (-1: none) */
    double util;            /* vLLM --gpu-memory-utilization (the plan's figure) */
    unsigned port;          /* servers: distinct on the node */
    char name[80];          /* "chat-8b-1": a DNS label (Kubernetes, compose) */
    char model[300];        /* hub id, a local file's or directory's name (local), or "" */
    char local[FP_ERR_FILE]; /* a model read from local files: the path fedplan read, which the
                               launch files load from models/ beside them ("": none) */
    char revision[64];      /* a Hub id's revision in the cache ("": main) */
    est_workload w;         /* as it runs on this node's GPU (fp16 where the GPU has no bf16) */
    int fsdp;               /* training: FSDP (accelerate) rather than DeepSpeed ZeRO */
    /* a replica that spans nodes (sol_node_span) is one process per node: part 0 (the
     * replica's first shards) is the head, the others join it; of == 1: no span */
    uint32_t part, of;
    size_t head;            /* the node of part 0 */
    uint32_t all_gpus;      /* GPUs of the whole replica, over its nodes */
} ep_proc;

typedef struct ep_plan {
    const emit_input *in;
    ep_proc *procs;         /* by node, then by the order of their first shard */
    size_t nprocs;
    unsigned max_share;     /* the most servers (the processes Kubernetes runs) on one GPU */
} ep_plan;

/* node n's machine, its name ("node-1"), and its cloud and instance type when it is a
 * cloud instance SkyPilot can launch ("aws", "g6.xlarge"); 0 when it is not */
const inv_node *ep_node(const ep_plan *m, size_t n);
const char *ep_node_type(const ep_plan *m, size_t n);
int ep_node_cloud(const ep_plan *m, size_t n, char *cloud, size_t nc, const char **itype);

/* The server's arguments, after the program: for vLLM "--model M --port P ..." (container:
 * also --host 0.0.0.0), for llama-server "-m F --port P ...".  Each one a word. */
#define EP_MAX_ARGS 40
typedef struct ep_argv {
    char v[EP_MAX_ARGS][320];
    size_t n;
} ep_argv;
void ep_server_args(const ep_plan *m, const ep_proc *p, int container, ep_argv *a);
/* 1 when p loads a GGUF file of the user's own (p->local ends in .gguf) */
int ep_local_gguf(const ep_proc *p);
/* A vLLM process planned with int4 or int8 weights needs a checkpoint stored that way (AWQ,
 * GPTQ, W8A8), which fedplan cannot name: 1 and the environment variable that must hold it
 * ("FEDPLAN_CHECKPOINT_CHAT_8B", one a deployment).  The launch files refuse to start without it
 * rather than load the 16-bit model the plan did not size. */
/* a process that serves (vLLM, llama-server): what compose and Kubernetes run, and what
 * launch.sh waits for; and how many of them node n has */
int ep_is_server(const ep_proc *p);
/* 1 when p is part of a replica spanning nodes; ep_span_head: and the part that serves or
 * hosts the rendezvous */
int ep_spans(const ep_proc *p);
int ep_span_head(const ep_proc *p);
size_t ep_node_servers(const ep_plan *m, size_t n);

int ep_checkpoint_var(const ep_plan *m, const ep_proc *p, char *var, size_t n);
/* what a vLLM weight dtype needs: its --quantization value, or NULL with a note (or none) */
const char *ep_vllm_quantization(est_dtype d, const char **note);
/* the GGUF file a llama-server process loads (relative to the models folder) */
void ep_gguf_name(const ep_plan *m, const ep_proc *p, char *buf, size_t n);
/* the training files: "node-1/lora-7b-1.ds_config.json" or ".accelerate.yaml" (NULL: none needed) */
const char *ep_train_config(const ep_proc *p, char *buf, size_t n);

/* ---------------------------------------------------------------- across nodes (launch.c) */

/* Ports of a replica across nodes: Ray's head (vLLM's multi-node serving docs) and the
 * rendezvous of torchrun's c10d backend (its default master port). */
#define EP_RAY_PORT 6379
#define EP_RDZV_PORT 29500
/* The variable launch.sh reads the head's address from, on every node of a spanning replica */
#define EP_HEAD_VAR "FEDPLAN_HEAD_ADDRESS"

/* The shell lines of one part of a spanning vLLM replica, for a container's `sh -c` or a
 * script: the Ray head, a wait for the other nodes, then `vllm serve` across them (part 0), or
 * a Ray worker joining the head at addr (a shell word or expansion: "$FEDPLAN_HEAD_ADDRESS",
 * "$(LWS_LEADER_ADDRESS)"), retrying while the head starts.  container: the server listens on
 * every interface, as in compose and Kubernetes. */
void ep_ray_lines(const ep_plan *m, const ep_proc *p, const char *addr, int container, eb *b);

/* A training job's launcher and its flags, one command without a final newline: torchrun
 * (with --deepspeed) or accelerate launch (FSDP), across nodes with rank (a number or an
 * expansion: "$JOB_COMPLETION_INDEX") and the head's address (head: "$FEDPLAN_HEAD_ADDRESS",
 * a host name); dir: where its config file is ("" beside the script, "/config/"). */
void ep_train_command(const ep_proc *p, const char *rank, const char *head, const char *dir, eb *b);
/* its config file's text: DeepSpeed's JSON, or accelerate's YAML for FSDP */
void ep_ds_config(const ep_proc *p, eb *b);
void ep_fsdp_config(const ep_proc *p, eb *b);

/* ---------------------------------------------------------------- targets (one file each) */

int emit_launch(const ep_plan *m, emit_set *out, fp_error *err);   /* launch.c */
/* the body of node n's launch script, without the interpreter line; script 0: for SkyPilot's
 * run:, which starts in the node's folder (its workdir) rather than in the script's */
void emit_launch_body(const ep_plan *m, size_t n, int script, eb *b);
int emit_compose(const ep_plan *m, emit_set *out, fp_error *err);  /* compose.c */
int emit_kube(const ep_plan *m, emit_set *out, fp_error *err);     /* kube.c */
int emit_skypilot(const ep_plan *m, emit_set *out, fp_error *err); /* skypilot.c */
int emit_readme(const ep_plan *m, emit_set *out, fp_error *err);   /* readme.c */

#endif
