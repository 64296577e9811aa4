/* yamlcheck FILE...: does each file parse as YAML (every document of it, with libyaml, the
 * parser fedplan reads its own files with)?  Prints "FILE:LINE:COL: PROBLEM" for one that
 * does not and exits 1.  JSON files parse too (JSON is YAML's flow style).  Used by
 * tests/emit/run.sh on the files `fedplan plan --emit` writes; no schema is checked. */
#include <stdio.h>
#include <yaml.h>

static int check(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return 1;
    }
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    int bad = 0, docs = 0;
    for (;;) {
        yaml_document_t d;
        if (!yaml_parser_load(&p, &d)) {
            fprintf(stderr, "%s:%lu:%lu: %s\n", path, (unsigned long)p.problem_mark.line + 1,
                    (unsigned long)p.problem_mark.column + 1, p.problem ? p.problem : "parse error");
            bad = 1;
            break;
        }
        int empty = yaml_document_get_root_node(&d) == NULL;
        yaml_document_delete(&d);
        if (empty)
            break;
        docs++;
    }
    if (!bad && docs == 0) {
        fprintf(stderr, "%s: no document\n", path);
        bad = 1;
    }
    yaml_parser_delete(&p);
    fclose(f);
    return bad;
}

int main(int argc, char **argv)
{
    int bad = 0;
    for (int i = 1; i < argc; i++)
        bad |= check(argv[i]);
    return bad;
}
