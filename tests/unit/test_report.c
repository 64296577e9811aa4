/* The plan's reports (cli/report.c, cli/html.c): GPU replicas' own host memory shows on their
 * node's host line, in the JSON's host.used_bytes and in the HTML's host bar; with none, a GPU
 * node's report has no host line, as before. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../cli/report.h"
#include "test.h"

#define GiB (1ULL << 30)

/* The table report of a plan, as text (stdout captured); caller frees. */
static char *table_of(const scenario *s, const sol_problem *pb, const sol_plan *plan)
{
    char (*reasons)[256] = calloc(plan->nunplaced + 1, sizeof *reasons);
    FILE *tmp = tmpfile();
    char *out = NULL;
    if (!reasons || !tmp)
        goto done;
    fflush(stdout);
    int saved = dup(1);
    if (saved < 0)
        goto done;
    dup2(fileno(tmp), 1);
    report_plan_table(s, pb, plan, reasons);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    long n = ftell(tmp);
    out = calloc((size_t)(n > 0 ? n : 0) + 1, 1);
    rewind(tmp);
    if (out && n > 0 && fread(out, 1, (size_t)n, tmp) != (size_t)n)
        out[0] = 0;
done:
    if (tmp)
        fclose(tmp);
    free(reasons);
    return out;
}

/* four 5 GB replicas, 10 GiB of host memory each, on 1-GPU nodes of 32 GiB host memory:
 * three on one node (30 GiB of host memory used), one on the other */
static void test_plan_host_memory_of_gpu_processes(test_ctx *t)
{
    scn_node_choice choice;
    memset(&choice, 0, sizeof choice);
    snprintf(choice.name, sizeof choice.name, "g1");
    snprintf(choice.node.gpu, sizeof choice.node.gpu, "L4");
    scn_deployment sd;
    memset(&sd, 0, sizeof sd);
    snprintf(sd.name, sizeof sd.name, "small");
    sd.memory = 5000000000ULL; /* a fixed footprint: no vLLM utilization to print */
    sd.tp[0] = sd.vtp[0] = 1;  /* what scn_build fills: the estimate, no margin, one GPU */
    sd.ntp = sd.nv = 1;
    sd.device_bytes[0] = sd.shard_bytes[0] = 5000000000ULL;
    sd.gpus[0] = 1;
    scenario s;
    memset(&s, 0, sizeof s);
    snprintf(s.file, sizeof s.file, "host.yaml");
    s.nodes = &choice;
    s.nnodes = 1;
    s.deps = &sd;
    s.ndeps = 1;
    sol_deployment dep;
    memset(&dep, 0, sizeof dep);
    snprintf(dep.name, sizeof dep.name, "small");
    dep.replicas = 4;
    dep.nvariants = 1;
    dep.variants[0] = (sol_variant){1, 0, 5000000000ULL, 10 * GiB, NULL, 0, 0, 0, 0};
    sol_node_type type = {.name = "g1", .gpus = 1, .gpu_bytes = 24000000000ULL, .host_bytes = 32 * GiB, .cost = 1,
                          .available = -1};
    sol_problem pb = {.deps = &dep, .ndeps = 1, .types = &type, .ntypes = 1, .goal = SOL_GOAL_COST, .time_limit_s = 10};
    sol_plan plan;
    fp_error e;
    CHECK(t, sol_solve(&pb, &plan, &e) == 0);
    CHECK(t, plan.nnodes == 2);
    if (plan.nnodes != 2) {
        sol_plan_free(&plan);
        return;
    }
    size_t big = plan.nodes[0].nshards == 3 ? 0 : 1; /* the node with three replicas */
    char *txt = table_of(&s, &pb, &plan);
    CHECK(t, txt != NULL);
    if (txt) {
        CHECK_HAS(t, txt, "host  [");
        CHECK_HAS(t, txt, "30.00 +  0.00 /   32.00 GiB");
        CHECK_HAS(t, txt, "10.00 +  0.00 /   32.00 GiB");
        CHECK_HAS(t, txt, "13.97 +  0.00 /   22.35 GiB  small#1 small#2 small#3");
        CHECK_HAS(t, txt, "(process)");
    }
    free(txt);
    char reasons[1][256] = {""};
    json_t *o = report_plan_json(&s, &pb, &plan, reasons);
    json_t *host = json_object_get(json_array_get(json_object_get(o, "nodes"), big), "host");
    CHECK_U64(t, (uint64_t)json_integer_value(json_object_get(host, "used_bytes")), 30 * GiB);
    CHECK_U64(t, json_array_size(json_object_get(host, "gpu_processes")), 3);
    CHECK_U64(t, json_array_size(json_object_get(host, "deployments")), 0);
    json_t *v0 = json_array_get(json_object_get(json_array_get(json_object_get(o, "deployments"), 0), "variants"), 0);
    CHECK_U64(t, (uint64_t)json_integer_value(json_object_get(v0, "host_bytes_per_replica")), 10 * GiB);
    /* the HTML's host bar holds the three processes */
    char path[] = "/tmp/fedplan-test-report-XXXXXX";
    int fd = mkstemp(path);
    CHECK(t, fd >= 0);
    if (fd >= 0) {
        close(fd);
        CHECK(t, html_write_plan(path, o, &e) == 0);
        FILE *f = fopen(path, "r");
        static char html[1 << 16];
        size_t n = f ? fread(html, 1, sizeof html - 1, f) : 0;
        html[n] = 0;
        if (f)
            fclose(f);
        CHECK_HAS(t, html, "30.00 + 0.00 / 32.00 GiB free 2.00");
        remove(path);
    }
    json_decref(o);
    sol_plan_free(&plan);

    /* without the processes' host memory: one node, no host line, no gpu_processes */
    dep.variants[0].host_bytes = 0;
    CHECK(t, sol_solve(&pb, &plan, &e) == 0);
    txt = table_of(&s, &pb, &plan);
    CHECK(t, txt && !strstr(txt, "host  ["));
    free(txt);
    o = report_plan_json(&s, &pb, &plan, reasons);
    host = json_object_get(json_array_get(json_object_get(o, "nodes"), 0), "host");
    CHECK(t, json_object_get(host, "gpu_processes") == NULL);
    CHECK_U64(t, (uint64_t)json_integer_value(json_object_get(host, "used_bytes")), 0);
    json_decref(o);
    sol_plan_free(&plan);
}

const test_case report_tests[] = {
    {"report/plan_host_memory_of_gpu_processes", test_plan_host_memory_of_gpu_processes},
    {NULL, NULL},
};
