/* verify.c: the independent plan verifier.  Plain C, no GLPK, nothing shared with the
 * model builder: it recomputes every load from the plan and the problem alone. */
#include <stdlib.h>
#include <string.h>

#include "solver.h"

static int vfail(fp_error *err, const char *fmt, const char *a, unsigned long x, unsigned long y)
{
    return fp_fail(err, NULL, 0, 0, fmt, a, x, y);
}

/* the shards of one replica of v */
static uint32_t v_shards(const sol_variant *v)
{
    return v->on_host ? 1 : v->tp * (v->groups > 1 ? v->groups : 1);
}

int plan_verify(const sol_problem *pb, const sol_plan *plan, fp_error *err)
{
    int rc = -1;
    size_t total_rep = 0;
    for (size_t d = 0; d < pb->ndeps; d++)
        total_rep += pb->deps[d].replicas;
    /* per replica: its shards seen (a bitmap from bitbase[r]) and the node of each, its first
     * node, its variant, the nodes it is on, whether one of them holds anything else */
    size_t *base = calloc(pb->ndeps + 1, sizeof *base);
    unsigned char *seen = NULL;
    size_t *bitbase = NULL;
    int64_t *node_of = NULL, *var_of = NULL, *last_node = NULL, *shard_node = NULL;
    uint32_t *nnodes_of = NULL;
    unsigned char *shared = NULL;
    uint64_t *gpu_load = NULL;
    size_t *type_count = calloc(pb->ntypes + 1, sizeof *type_count);
    if (!base || !type_count)
        goto oom;
    for (size_t d = 0; d < pb->ndeps; d++)
        base[d + 1] = base[d] + pb->deps[d].replicas;
    bitbase = calloc(total_rep + 1, sizeof *bitbase);
    if (!bitbase)
        goto oom;
    for (size_t d = 0, r = 0; d < pb->ndeps; d++) {
        uint32_t most = 1;
        for (size_t v = 0; v < pb->deps[d].nvariants && v < SOL_MAX_VARIANTS; v++)
            if (v_shards(&pb->deps[d].variants[v]) > most)
                most = v_shards(&pb->deps[d].variants[v]);
        for (uint32_t q = 0; q < pb->deps[d].replicas; q++, r++)
            bitbase[r + 1] = bitbase[r] + most;
    }
    seen = calloc(bitbase[total_rep] + 1, 1);
    shard_node = malloc((bitbase[total_rep] + 1) * sizeof *shard_node);
    node_of = malloc((total_rep + 1) * sizeof *node_of);
    var_of = malloc((total_rep + 1) * sizeof *var_of);
    last_node = malloc((total_rep + 1) * sizeof *last_node);
    nnodes_of = calloc(total_rep + 1, sizeof *nnodes_of);
    shared = calloc(total_rep + 1, 1);
    if (!seen || !shard_node || !node_of || !var_of || !last_node || !nnodes_of || !shared)
        goto oom;
    for (size_t i = 0; i < total_rep; i++)
        node_of[i] = var_of[i] = last_node[i] = -1;

    for (size_t n = 0; n < plan->nnodes; n++) {
        const sol_node *nd = &plan->nodes[n];
        if (nd->type >= pb->ntypes) {
            vfail(err, "plan: node %s%lu has an unknown type %lu", "", n, nd->type);
            goto out;
        }
        const sol_node_type *t = &pb->types[nd->type];
        type_count[nd->type]++;
        free(gpu_load);
        gpu_load = calloc(t->gpus + 1, sizeof *gpu_load);
        if (!gpu_load)
            goto oom;
        uint64_t host = 0;
        for (size_t s = 0; s < nd->nshards; s++) {
            const sol_shard *sh = &nd->shards[s];
            if (sh->dep >= pb->ndeps || sh->replica >= pb->deps[sh->dep].replicas) {
                vfail(err, "plan: node %s%lu holds a shard of an unknown deployment or replica (%lu)", "", n, sh->dep);
                goto out;
            }
            const sol_deployment *dp = &pb->deps[sh->dep];
            if (sh->variant >= dp->nvariants) {
                vfail(err, "plan: '%s' replica %lu uses unknown variant %lu", dp->name, sh->replica, sh->variant);
                goto out;
            }
            if ((dp->allowed && !dp->allowed[nd->type]) ||
                (dp->variants[sh->variant].allowed && !dp->variants[sh->variant].allowed[nd->type])) {
                vfail(err, "plan: '%s' replica %lu is on node %lu, a type it (or its variant) is not allowed on",
                      dp->name, sh->replica, n);
                goto out;
            }
            const sol_variant *v = &dp->variants[sh->variant];
            size_t r = base[sh->dep] + sh->replica;
            if (node_of[r] >= 0 && (node_of[r] != (int64_t)n || var_of[r] != (int64_t)sh->variant)) {
                /* on another node: only a GPU replica that may span nodes, of one variant, on nodes
                 * of one type */
                if (var_of[r] != (int64_t)sh->variant || v->on_host || v->max_nodes <= 1) {
                    vfail(err, "plan: '%s' replica %lu is split across nodes or variants (node %lu)", dp->name,
                          sh->replica, n);
                    goto out;
                }
                if (plan->nodes[node_of[r]].type != nd->type) {
                    vfail(err, "plan: '%s' replica %lu spans nodes of different types (node %lu)", dp->name,
                          sh->replica, n);
                    goto out;
                }
            }
            if (node_of[r] < 0)
                node_of[r] = (int64_t)n;
            var_of[r] = (int64_t)sh->variant;
            if (last_node[r] != (int64_t)n) {
                last_node[r] = (int64_t)n;
                nnodes_of[r]++;
            }
            if (sh->shard >= v_shards(v) || seen[bitbase[r] + sh->shard]) {
                vfail(err, "plan: '%s' replica %lu has a duplicate or unknown shard %lu", dp->name, sh->replica, sh->shard);
                goto out;
            }
            seen[bitbase[r] + sh->shard] = 1;
            shard_node[bitbase[r] + sh->shard] = (int64_t)n;
            /* a replica's own host memory (a GPU process's runtime) on each node that holds it, counted
             * by its first shard seen there: all of it on one node; spread over several, the share of
             * the GPUs each holds (rounded up) */
            int first_shard = 1;
            for (size_t s2 = 0; s2 < s && first_shard; s2++)
                first_shard = !(nd->shards[s2].dep == sh->dep && nd->shards[s2].replica == sh->replica);
            if (first_shard) {
                uint64_t here = 0, all = v_shards(v);
                for (size_t s2 = s; s2 < nd->nshards; s2++)
                    here += nd->shards[s2].dep == sh->dep && nd->shards[s2].replica == sh->replica;
                host += v->host_bytes / all * here + ((v->host_bytes % all) * here + all - 1) / all;
                /* a node shared with anything else: not allowed where the replica spans nodes */
                for (size_t s2 = 0; s2 < nd->nshards; s2++)
                    if (nd->shards[s2].dep != sh->dep || nd->shards[s2].replica != sh->replica)
                        shared[r] = 1;
            }
            if (v->on_host) {
                if (sh->gpu != -1) {
                    vfail(err, "plan: '%s' replica %lu is a host deployment placed on GPU %lu", dp->name, sh->replica,
                          (unsigned long)sh->gpu);
                    goto out;
                }
                host += v->shard_bytes;
                /* weights shared through the page cache: one copy per file on the node, counted
                 * by the first replica of the file seen here */
                if (v->share) {
                    int first_of_file = 1;
                    for (size_t s2 = 0; s2 < s && first_of_file; s2++) {
                        const sol_shard *o = &nd->shards[s2];
                        const sol_variant *ov = &pb->deps[o->dep].variants[o->variant];
                        if (ov->on_host && ov->share == v->share) {
                            if (ov->shared_bytes != v->shared_bytes) {
                                vfail(err, "plan: '%s' shares a weights file with another deployment but not its "
                                      "size (node %lu)", dp->name, n, 0);
                                goto out;
                            }
                            first_of_file = 0;
                        }
                    }
                    if (first_of_file)
                        host += v->shared_bytes;
                }
            } else {
                if (sh->gpu < 0 || (uint32_t)sh->gpu >= t->gpus) {
                    vfail(err, "plan: '%s' replica %lu names GPU %lu, which its node does not have", dp->name,
                          sh->replica, (unsigned long)(sh->gpu < 0 ? 0 : sh->gpu));
                    goto out;
                }
                gpu_load[sh->gpu] += v->shard_bytes;
                /* tensor-parallel shards of one replica on distinct GPUs */
                for (size_t s2 = 0; s2 < s; s2++) {
                    const sol_shard *o = &nd->shards[s2];
                    if (o->dep == sh->dep && o->replica == sh->replica && o->gpu == sh->gpu) {
                        vfail(err, "plan: two shards of '%s' replica %lu share GPU %lu", dp->name, sh->replica,
                              (unsigned long)sh->gpu);
                        goto out;
                    }
                }
            }
            /* anti-affinity: no other replica of this deployment on this node (a merged class,
             * inside the solver: at most anti_affinity replicas of it) */
            if (dp->anti_affinity > 1) {
                int first = 1;
                unsigned long others = 0;
                for (size_t s2 = 0; s2 < s && first; s2++)
                    if (nd->shards[s2].dep == sh->dep && nd->shards[s2].replica == sh->replica)
                        first = 0;
                for (size_t s2 = 0; s2 < s && first; s2++) {
                    const sol_shard *o = &nd->shards[s2];
                    int o_first = o->dep == sh->dep;
                    for (size_t s3 = 0; s3 < s2 && o_first; s3++)
                        if (nd->shards[s3].dep == o->dep && nd->shards[s3].replica == o->replica)
                            o_first = 0;
                    others += (unsigned long)o_first;
                }
                if (others + 1 > (unsigned long)dp->anti_affinity) {
                    vfail(err, "plan: '%s' has more than %lu replicas on node %lu", dp->name,
                          (unsigned long)dp->anti_affinity, n);
                    goto out;
                }
            } else if (dp->anti_affinity)
                for (size_t s2 = 0; s2 < s; s2++) {
                    const sol_shard *o = &nd->shards[s2];
                    if (o->dep == sh->dep && o->replica != sh->replica) {
                        vfail(err, "plan: '%s' replicas %lu and %lu share a node despite anti-affinity", dp->name,
                              sh->replica, o->replica);
                        goto out;
                    }
                }
        }
        for (uint32_t g = 0; g < t->gpus; g++)
            if (gpu_load[g] > t->gpu_bytes) {
                vfail(err, "plan: node %s%lu GPU %lu is over capacity", "", n, g);
                goto out;
            }
        if (host > t->host_bytes) {
            vfail(err, "plan: node %s%lu host memory over capacity (%lu bytes too many)", "", n,
                  (unsigned long)(host - t->host_bytes));
            goto out;
        }
    }
    for (size_t k = 0; k < pb->ntypes; k++)
        if (pb->types[k].available >= 0 && type_count[k] > (size_t)pb->types[k].available) {
            vfail(err, "plan: uses %s%lu nodes of a type with %lu available", "", type_count[k],
                  (unsigned long)pb->types[k].available);
            goto out;
        }
    /* every replica placed whole, or counted unplaced */
    for (size_t d = 0; d < pb->ndeps; d++) {
        uint32_t unplaced = 0;
        for (size_t u = 0; u < plan->nunplaced; u++)
            if (plan->unplaced[u].dep == d)
                unplaced += plan->unplaced[u].count;
        uint32_t placed = 0;
        for (uint32_t r = 0; r < pb->deps[d].replicas; r++) {
            size_t i = base[d] + r;
            if (node_of[i] < 0)
                continue;
            const sol_variant *v = &pb->deps[d].variants[var_of[i]];
            for (uint32_t q = 0; q < v_shards(v); q++)
                if (!seen[bitbase[i] + q]) {
                    vfail(err, "plan: '%s' replica %lu is missing shards (shard %lu)", pb->deps[d].name, r, q);
                    goto out;
                }
            if (nnodes_of[i] > 1) {
                /* spanning nodes: as many as it may, of a type that allows it, each its own, and
                 * the GPUs of each group (a pipeline stage) on one node */
                const sol_node_type *nt = &pb->types[plan->nodes[node_of[i]].type];
                if (nnodes_of[i] > v->max_nodes || nt->no_span) {
                    vfail(err, "plan: '%s' replica %lu spans %lu nodes, more than it may", pb->deps[d].name, r,
                          nnodes_of[i]);
                    goto out;
                }
                if (shared[i]) {
                    vfail(err, "plan: '%s' replica %lu spans nodes and shares one of them (%lu)", pb->deps[d].name,
                          r, 0);
                    goto out;
                }
                for (uint32_t q = 0; q < v_shards(v); q++)
                    if (shard_node[bitbase[i] + q] != shard_node[bitbase[i] + q - q % v->tp]) {
                        vfail(err, "plan: '%s' replica %lu has a tensor-parallel group split across nodes (shard "
                              "%lu)", pb->deps[d].name, r, q);
                        goto out;
                    }
            }
            placed++;
        }
        if (placed + unplaced != pb->deps[d].replicas) {
            vfail(err, "plan: '%s' has %lu replicas placed or listed unplaced, not %lu", pb->deps[d].name,
                  placed + unplaced, pb->deps[d].replicas);
            goto out;
        }
    }
    if (plan->status == SOL_OPTIMAL && plan->nunplaced && !pb->allow_partial) {
        fp_fail(err, NULL, 0, 0, "plan: marked optimal with unplaced deployments");
        goto out;
    }
    rc = 0;
    goto out;
oom:
    fp_fail(err, NULL, 0, 0, "verifier: out of memory");
out:
    free(base);
    free(seen);
    free(bitbase);
    free(shard_node);
    free(last_node);
    free(nnodes_of);
    free(shared);
    free(node_of);
    free(var_of);
    free(gpu_load);
    free(type_count);
    return rc;
}
