/* mip.c: the integer program step (docs/solver.md, "Solving", step 4): GLPK's branch and bound
 * (glp_intopt) over the generated patterns, started from the incumbent (glp_ios_heur_sol,
 * after checking every row holds) and stopped once a solution meets the bound; then, when
 * still unproven and every maximal pattern can be listed (enumerate.c), over all of them:
 * the exact model, whose own search proves optimality.  With a work budget the search is
 * counted in nodes and simplex iterations and ends by the callback, not the clock. */
#include <glpk.h>

#include "solver_int.h"

void mip_callback(glp_tree *tree, void *info)
{
    mip_cb *cb = info;
    if (ctx_stopped(cb->c)) {
        glp_ios_terminate(tree);
        return;
    }
    switch (glp_ios_reason(tree)) {
    case GLP_IHEUR:
        if (cb->x && !cb->injected) {
            cb->injected = 1;
            glp_ios_heur_sol(tree, cb->x);
        }
        break;
    case GLP_ISELECT: {
        if (cb->work_stop > 0) { /* one node's work; the budget ends the search, not the clock */
            int it = glp_get_it_cnt(glp_ios_get_prob(tree));
            ctx_work(cb->c, cb->node_steps + (double)(it > cb->it_last ? it - cb->it_last : 0) * cb->iter_steps);
            cb->it_last = it;
            if (cb->c->meter->steps >= cb->work_stop) {
                glp_ios_terminate(tree);
                return;
            }
        }
        int best = glp_ios_best_node(tree);
        if (best)
            cb->tree_bound = glp_ios_node_bound(tree, best);
        tick(cb->c, cb->t0, &cb->last, cb->best, cb->lb);
        break;
    }
    case GLP_IBINGO: {
        glp_prob *mip = glp_ios_get_prob(tree);
        if (primary_of(cb->c, glp_mip_obj_val(mip)) <= cb->target)
            glp_ios_terminate(tree);
        break;
    }
    default:
        break;
    }
}
