/* classes.c: deployments that the solver cannot tell apart, merged into one row.
 *
 * Two deployments are interchangeable when they have the same ways to run (variants, byte
 * for byte: GPU or host memory, a GPU replica's own host memory, the weights file shared),
 * the same priority and
 * the same allowed node types, and either neither has
 * anti-affinity, or both have it with the same replica count.  A class of n such
 * deployments becomes one deployment with the summed replicas; an anti-affinity class holds
 * at most n replicas on one node.  The merge is exact (docs/solver.md):
 *  - without anti-affinity any split of a class's replicas among its members is a plan;
 *  - with anti-affinity, n members of r replicas each and c_j <= n replicas on node j, the
 *    members can always take distinct nodes: for every k <= n, the k members' k*r replicas
 *    fit, since sum_j min(c_j, k) >= sum_j c_j * k / n = k * r (Gale 1957, Ryser 1957); the
 *    largest-demand-first assignment below finds such a split.
 * A fleet of 1000 deployments drawn from a few models and workloads has some 300 classes,
 * and column generation runs over 300 rows instead of 1000. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

static _Thread_local const sol_problem *sort_pb;

static int dep_cmp(const void *a, const void *b)
{
    const sol_problem *pb = sort_pb;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    const sol_deployment *x = &pb->deps[i], *y = &pb->deps[j];
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    if ((x->anti_affinity != 0) != (y->anti_affinity != 0))
        return x->anti_affinity ? 1 : -1;
    if (x->anti_affinity && x->replicas != y->replicas)
        return x->replicas < y->replicas ? -1 : 1;
    if (x->nvariants != y->nvariants)
        return x->nvariants < y->nvariants ? -1 : 1;
    for (size_t v = 0; v < x->nvariants; v++) {
        const sol_variant *p = &x->variants[v], *q = &y->variants[v];
        if (p->tp != q->tp)
            return p->tp < q->tp ? -1 : 1;
        if (p->on_host != q->on_host)
            return p->on_host < q->on_host ? -1 : 1;
        if (p->shard_bytes != q->shard_bytes)
            return p->shard_bytes < q->shard_bytes ? -1 : 1;
        if (p->host_bytes != q->host_bytes)
            return p->host_bytes < q->host_bytes ? -1 : 1;
        if (p->share != q->share)
            return p->share < q->share ? -1 : 1;
        if (p->shared_bytes != q->shared_bytes)
            return p->shared_bytes < q->shared_bytes ? -1 : 1;
        if (p->groups != q->groups)
            return p->groups < q->groups ? -1 : 1;
        if (p->max_nodes != q->max_nodes)
            return p->max_nodes < q->max_nodes ? -1 : 1;
        if ((p->allowed != NULL) != (q->allowed != NULL))
            return p->allowed ? 1 : -1;
        if (p->allowed) {
            int r = memcmp(p->allowed, q->allowed, pb->ntypes);
            if (r)
                return r < 0 ? -1 : 1;
        }
    }
    if ((x->allowed != NULL) != (y->allowed != NULL))
        return x->allowed ? 1 : -1;
    if (x->allowed) {
        int r = memcmp(x->allowed, y->allowed, pb->ntypes);
        if (r)
            return r < 0 ? -1 : 1;
    }
    return i < j ? -1 : (i > j);
}

/* may a replica of this deployment span nodes?  Such deployments stay classes of their own:
 * a class replica on several nodes would be split among members node by node */
static int may_span(const sol_deployment *x)
{
    for (size_t v = 0; v < x->nvariants; v++)
        if (!x->variants[v].on_host && x->variants[v].max_nodes > 1)
            return 1;
    return 0;
}

/* the same ways to run, field by field */
static int variants_same(const sol_problem *pb, const sol_deployment *x, const sol_deployment *y)
{
    for (size_t v = 0; v < x->nvariants; v++) {
        const sol_variant *p = &x->variants[v], *q = &y->variants[v];
        if (p->tp != q->tp || p->on_host != q->on_host || p->shard_bytes != q->shard_bytes ||
            p->host_bytes != q->host_bytes || p->share != q->share || p->shared_bytes != q->shared_bytes ||
            p->groups != q->groups || p->max_nodes != q->max_nodes ||
            (p->allowed != NULL) != (q->allowed != NULL) ||
            (p->allowed && memcmp(p->allowed, q->allowed, pb->ntypes) != 0))
            return 0;
    }
    return 1;
}

void cls_free(sol_classes *cl)
{
    free(cl->of);
    free(cl->first);
    free(cl->members);
    free(cl->deps);
    memset(cl, 0, sizeof *cl);
}

int cls_build(const sol_problem *pb, sol_classes *cl)
{
    memset(cl, 0, sizeof *cl);
    size_t n = pb->ndeps;
    for (size_t d = 0; d < n; d++) /* malformed: left to the solver's own checks */
        if (pb->deps[d].nvariants == 0 || pb->deps[d].nvariants > SOL_MAX_VARIANTS || pb->deps[d].anti_affinity < 0)
            return 0;
    uint32_t *order = malloc((n + 1) * sizeof *order);
    cl->of = malloc((n + 1) * sizeof *cl->of);
    cl->first = malloc((n + 2) * sizeof *cl->first);
    cl->members = malloc((n + 1) * sizeof *cl->members);
    cl->deps = calloc(n + 1, sizeof *cl->deps);
    if (!order || !cl->of || !cl->first || !cl->members || !cl->deps) {
        free(order);
        cls_free(cl);
        return -1;
    }
    for (size_t d = 0; d < n; d++)
        order[d] = (uint32_t)d;
    sort_pb = pb;
    qsort(order, n, sizeof *order, dep_cmp);
    sort_pb = NULL;
    /* groups of equal keys, each in deployment order; then classes numbered by their first
     * member, so that the merged problem lists them in the scenario's order */
    uint32_t *lead = malloc((n + 1) * sizeof *lead); /* per deployment: the first of its group */
    if (!lead) {
        free(order);
        cls_free(cl);
        return -1;
    }
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n) {
            uint32_t x = order[a], y = order[b];
            /* the same key: the comparison without the index tie-break says equal */
            const sol_deployment *p = &pb->deps[x], *q = &pb->deps[y];
            sort_pb = pb;
            int same = !may_span(p) && !may_span(q) && p->priority == q->priority && (p->anti_affinity != 0) == (q->anti_affinity != 0) &&
                       (!p->anti_affinity || p->replicas == q->replicas) && p->nvariants == q->nvariants &&
                       variants_same(pb, p, q) &&
                       (p->allowed != NULL) == (q->allowed != NULL) &&
                       (!p->allowed || memcmp(p->allowed, q->allowed, pb->ntypes) == 0);
            sort_pb = NULL;
            if (!same)
                break;
            b++;
        }
        for (size_t k = a; k < b; k++)
            lead[order[k]] = order[a];
        a = b;
    }
    uint32_t *cls_of_lead = malloc((n + 1) * sizeof *cls_of_lead);
    if (!cls_of_lead) {
        free(order);
        free(lead);
        cls_free(cl);
        return -1;
    }
    size_t nc = 0;
    for (size_t d = 0; d < n; d++) {
        if (lead[d] == d)
            cls_of_lead[d] = (uint32_t)nc++;
        cl->of[d] = cls_of_lead[lead[d]];
    }
    /* members of each class, in deployment order (counting sort) */
    memset(cl->first, 0, (n + 2) * sizeof *cl->first);
    for (size_t d = 0; d < n; d++)
        cl->first[cl->of[d] + 1]++;
    for (size_t k = 0; k < nc; k++)
        cl->first[k + 1] += cl->first[k];
    uint32_t *fill = calloc(nc + 1, sizeof *fill);
    if (!fill) {
        free(order);
        free(lead);
        free(cls_of_lead);
        cls_free(cl);
        return -1;
    }
    for (size_t d = 0; d < n; d++) {
        uint32_t k = cl->of[d];
        cl->members[cl->first[k] + fill[k]++] = (uint32_t)d;
    }
    for (size_t k = 0; k < nc; k++) {
        const sol_deployment *d0 = &pb->deps[cl->members[cl->first[k]]];
        sol_deployment *cd = &cl->deps[k];
        *cd = *d0;
        uint32_t size = cl->first[k + 1] - cl->first[k];
        uint64_t reps = 0;
        for (uint32_t m = cl->first[k]; m < cl->first[k + 1]; m++)
            reps += pb->deps[cl->members[m]].replicas;
        cd->replicas = reps > UINT32_MAX ? UINT32_MAX : (uint32_t)reps;
        cd->anti_affinity = d0->anti_affinity ? (int)size : 0;
    }
    cl->n = nc;
    free(order);
    free(lead);
    free(cls_of_lead);
    free(fill);
    return 0;
}

/* The class plan cp, with every class replica given to one member deployment (a replica's
 * shards together), as a plan of the original problem. */
int cls_expand(const sol_problem *pb, const sol_classes *cl, const sol_plan *cp, sol_plan *out)
{
    memset(out, 0, sizeof *out);
    size_t n = pb->ndeps, nc = cl->n;
    /* per member deployment: replicas still to place (its demand), the next replica number */
    uint32_t *left = malloc((n + 1) * sizeof *left), *next = calloc(n + 1, sizeof *next);
    uint32_t *cursor = calloc(nc + 1, sizeof *cursor); /* non-anti-affinity: member being filled */
    /* per node and class: which member each class replica went to (a small map) */
    size_t maxsh = 0;
    for (size_t i = 0; i < cp->nnodes; i++)
        if (cp->nodes[i].nshards > maxsh)
            maxsh = cp->nodes[i].nshards;
    uint32_t *rep_cls = malloc((maxsh + 1) * sizeof *rep_cls), *rep_id = malloc((maxsh + 1) * sizeof *rep_id);
    uint32_t *rep_dep = malloc((maxsh + 1) * sizeof *rep_dep), *rep_num = malloc((maxsh + 1) * sizeof *rep_num);
    out->nodes = calloc(cp->nnodes + 1, sizeof *out->nodes);
    out->unplaced = calloc(n + 1, sizeof *out->unplaced);
    int rc = -1;
    if (!left || !next || !cursor || !rep_cls || !rep_id || !rep_dep || !rep_num || !out->nodes || !out->unplaced)
        goto done;
    for (size_t d = 0; d < n; d++)
        left[d] = pb->deps[d].replicas;
    for (size_t i = 0; i < cp->nnodes; i++) {
        const sol_node *cn = &cp->nodes[i];
        sol_node *on = &out->nodes[i];
        on->type = cn->type;
        on->nshards = cn->nshards;
        on->shards = malloc((cn->nshards + 1) * sizeof *on->shards);
        if (!on->shards)
            goto done;
        out->nnodes = i + 1;
        /* the distinct class replicas on this node, in order of first appearance */
        size_t nr = 0;
        for (size_t s = 0; s < cn->nshards; s++) {
            size_t r = 0;
            while (r < nr && !(rep_cls[r] == cn->shards[s].dep && rep_id[r] == cn->shards[s].replica))
                r++;
            if (r == nr) {
                rep_cls[nr] = cn->shards[s].dep;
                rep_id[nr++] = cn->shards[s].replica;
            }
        }
        for (size_t r = 0; r < nr; r++) {
            uint32_t k = rep_cls[r];
            const sol_deployment *cd = &cl->deps[k];
            uint32_t dep = UINT32_MAX;
            if (cl->first[k + 1] - cl->first[k] == 1 && may_span(&pb->deps[cl->members[cl->first[k]]])) {
                /* a deployment that may span nodes (a class of its own): its replicas keep their
                 * numbers (one that spans nodes is on several and stays one replica), each
                 * counted once, on the node of its first shard */
                dep = cl->members[cl->first[k]];
                int first = 0;
                for (size_t s = 0; s < cn->nshards; s++)
                    first |= cn->shards[s].dep == k && cn->shards[s].replica == rep_id[r] && cn->shards[s].shard == 0;
                left[dep] -= (uint32_t)first;
                rep_dep[r] = dep;
                rep_num[r] = rep_id[r];
                continue;
            }
            if (cd->anti_affinity) {
                /* the member with the most replicas left that is not on this node yet */
                uint32_t most = 0;
                for (uint32_t m = cl->first[k]; m < cl->first[k + 1]; m++) {
                    uint32_t d = cl->members[m];
                    if (left[d] <= most)
                        continue;
                    int here = 0;
                    for (size_t q = 0; q < r && !here; q++)
                        here = rep_dep[q] == d;
                    if (!here) {
                        most = left[d];
                        dep = d;
                    }
                }
            } else {
                while (cl->first[k] + cursor[k] < cl->first[k + 1] && left[cl->members[cl->first[k] + cursor[k]]] == 0)
                    cursor[k]++;
                if (cl->first[k] + cursor[k] < cl->first[k + 1])
                    dep = cl->members[cl->first[k] + cursor[k]];
            }
            if (dep == UINT32_MAX) /* more copies than the class has replicas: the class plan is broken */
                goto done;
            left[dep]--;
            rep_dep[r] = dep;
            rep_num[r] = next[dep]++;
        }
        for (size_t s = 0; s < cn->nshards; s++) {
            sol_shard sh = cn->shards[s];
            size_t r = 0;
            while (!(rep_cls[r] == sh.dep && rep_id[r] == sh.replica))
                r++;
            sh.dep = rep_dep[r];
            sh.replica = rep_num[r];
            on->shards[s] = sh;
        }
    }
    for (size_t d = 0; d < n; d++)
        if (left[d]) {
            out->unplaced[out->nunplaced].dep = (uint32_t)d;
            out->unplaced[out->nunplaced].count = left[d];
            out->nunplaced++;
        }
    out->status = cp->status;
    out->cost = cp->cost;
    out->nodes_used = cp->nodes_used;
    out->bound = cp->bound;
    out->bound_scope = cp->bound_scope;
    out->gap = cp->gap;
    snprintf(out->reason, sizeof out->reason, "%s", cp->reason);
    out->columns = cp->columns;
    out->lp_iterations = cp->lp_iterations;
    out->used_mip = cp->used_mip;
    out->arcflow = cp->arcflow;
    out->interrupted = cp->interrupted;
    out->seconds = cp->seconds;
    out->wall_limited = cp->wall_limited;
    out->work = cp->work;
    rc = 0;
done:
    free(left);
    free(next);
    free(cursor);
    free(rep_cls);
    free(rep_id);
    free(rep_dep);
    free(rep_num);
    if (rc != 0)
        sol_plan_free(out);
    return rc;
}
