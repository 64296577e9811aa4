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


/* ---------------------------------------------------------------- CSV */

/* 1 when some row holds a cell equal to v (a list of strings: its ';'-joined cell) */
static int csv_has_value(const json_t *rows, const json_t *v)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *k;
        json_t *c;
        json_object_foreach(row, k, c) if (json_equal(c, v)) return 1;
    }
    return 0;
}

/* every scalar of the JSON is the value of some CSV cell */
static size_t csv_missing(const json_t *rows, const json_t *v)
{
    size_t n = 0, i;
    const char *k;
    json_t *x;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x) n += csv_missing(rows, x);
    } else if (json_is_array(v)) {
        int strings = json_array_size(v) > 0;
        json_array_foreach(v, i, x) strings &= json_is_string(x);
        if (!strings) {
            json_array_foreach(v, i, x) n += csv_missing(rows, x);
        }
    } else if (!csv_has_value(rows, v)) {
        n++;
    }
    return n;
}

/* A plan JSON written out by hand (the shape report_plan_json prints, with every kind of
 * row), turned into CSV rows: each record where the docs say, and no scalar lost. */
static void test_plan_csv_rows(test_ctx *t)
{
    static const char plan[] =
        "{\"scenario\": \"s.yaml\", \"status\": \"optimal\", \"goal\": \"cost\","
        " \"objective\": {\"cost_per_hour\": 1.25, \"cost_per_month\": 912.5, \"nodes\": 1},"
        " \"bound\": 1.25, \"bound_unit\": \"dollars_per_hour\", \"bound_scope\": \"placed\", \"gap\": 0.0,"
        " \"nodes\": [{\"id\": 1, \"type\": \"aws/g6.xlarge\", \"cost_per_hour\": 0.75, \"price\": \"spot\","
        "   \"region\": \"us-west-2\", \"price_date\": \"2026-11-29\","
        "   \"host\": {\"capacity_bytes\": 17179869184, \"used_bytes\": 6442450944, \"margin_bytes\": 7,"
        "     \"deployments\": [{\"deployment\": \"cpu-llm\", \"replica\": 3, \"bytes\": 1111, \"margin_bytes\": 11}],"
        "     \"gpu_processes\": [{\"deployment\": \"chat\", \"replica\": 2, \"bytes\": 2222}]},"
        "   \"gpus\": [{\"index\": 0, \"capacity_bytes\": 23999807488, \"used_bytes\": 3333, \"margin_bytes\": 33,"
        "     \"shards\": [{\"deployment\": \"chat\", \"replica\": 2, \"shard\": 0, \"tp\": 1, \"gpus\": 1,"
        "       \"bytes\": 4444, \"margin_bytes\": 44, \"vllm_gpu_memory_utilization\": 0.8765}]}]}],"
        " \"unplaced\": [{\"deployment\": \"big\", \"count\": 5, \"reason\": \"too large\"}],"
        " \"deployments\": [{\"name\": \"chat\", \"replicas\": 2, \"on\": \"gpu\","
        "   \"variants\": [{\"tp\": 1, \"gpus\": 1, \"bytes_per_shard\": 5555, \"margin_per_shard\": 55,"
        "     \"host_bytes_per_replica\": 6666}]}]}";
    json_error_t je;
    json_t *o = json_loads(plan, 0, &je);
    CHECK(t, o != NULL);
    if (!o)
        return;
    json_t *rows = report_plan_csv_rows(o);
    CHECK(t, rows != NULL);
    if (!rows) {
        json_decref(o);
        return;
    }
    static const char *const records[] = {"plan", "node", "host_deployment", "host_process", "gpu", "shard", "unplaced",
                                          "variant"};
    CHECK_U64(t, json_array_size(rows), 8);
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        const char *rec = json_string_value(json_object_get(r, "record"));
        int known = 0;
        for (size_t k = 0; k < sizeof records / sizeof records[0]; k++)
            known |= rec && !strcmp(rec, records[k]);
        CHECK(t, known);
        if (rec && !strcmp(rec, "shard")) {
            CHECK_U64(t, (uint64_t)json_integer_value(json_object_get(r, "node")), 1);
            CHECK_U64(t, (uint64_t)json_integer_value(json_object_get(r, "gpu")), 0);
            CHECK(t, json_real_value(json_object_get(r, "vllm_gpu_memory_utilization")) == 0.8765);
        }
        if (rec && !strcmp(rec, "node")) {
            CHECK_STR(t, json_string_value(json_object_get(r, "price")), "spot");
            CHECK_STR(t, json_string_value(json_object_get(r, "region")), "us-west-2");
            CHECK_U64(t, (uint64_t)json_integer_value(json_object_get(r, "host_capacity_bytes")), 17179869184ULL);
        }
        if (rec && !strcmp(rec, "variant"))
            CHECK_STR(t, json_string_value(json_object_get(r, "deployment")), "chat");
        if (rec && !strcmp(rec, "host_process"))
            CHECK_STR(t, json_string_value(json_object_get(r, "gpu")), "host");
    }
    CHECK_U64(t, csv_missing(rows, o), 0);
    json_decref(rows);
    json_decref(o);
}

const test_case report_tests[] = {
    {"report/plan_host_memory_of_gpu_processes", test_plan_host_memory_of_gpu_processes},
    {"report/plan_csv_rows", test_plan_csv_rows},
    {NULL, NULL},
};
