/* mps_glpk.c: solve an integer program in fixed MPS with GLPK's branch and cut, as VPSolver's
 * GLPK script does with glpsol (presolve, default settings), within a time limit.  Prints one
 * line, "STATUS SECONDS OBJECTIVE BOUND": STATUS optimal, feasible (time limit with an
 * integer solution), none (no integer solution) or error; the bound is the best bound GLPK's
 * search proved (the objective when optimal).  For bench/bench_vpsolver.sh only. */
#include <glpk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int quiet(void *info, const char *s)
{
    (void)info;
    (void)s;
    return 1;
}

static double best_bound = NAN;

static void on_tree(glp_tree *t, void *info)
{
    (void)info;
    if (glp_ios_reason(t) == GLP_IBINGO || glp_ios_reason(t) == GLP_ISELECT) {
        int node = glp_ios_best_node(t);
        if (node)
            best_bound = glp_ios_node_bound(t, node);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mps_glpk MODEL.mps SECONDS\n");
        return 2;
    }
    glp_term_hook(quiet, NULL);
    glp_prob *lp = glp_create_prob();
    double t0 = now();
    if (glp_read_mps(lp, GLP_MPS_DECK, NULL, argv[1]) != 0) {
        printf("error 0 - -\n");
        return 1;
    }
    glp_iocp parm;
    glp_init_iocp(&parm);
    parm.presolve = GLP_ON;
    parm.tm_lim = (int)(atof(argv[2]) * 1000.0);
    parm.cb_func = on_tree;
    int rc = glp_intopt(lp, &parm);
    double secs = now() - t0;
    int st = glp_mip_status(lp);
    double obj = glp_mip_obj_val(lp);
    if (rc == 0 && st == GLP_OPT)
        printf("optimal %.3f %.6g %.6g\n", secs, obj, obj);
    else if (st == GLP_FEAS)
        printf("feasible %.3f %.6g %.6g\n", secs, obj, best_bound);
    else
        printf("none %.3f - -\n", secs);
    glp_delete_prob(lp);
    glp_free_env();
    return 0;
}
