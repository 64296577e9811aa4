# fedplan: one plain Makefile.  `make` builds ./fedplan; `make test` runs every test;
# `make check` runs them again under AddressSanitizer + UndefinedBehaviorSanitizer (the
# allocation-failure tests with a link-time shim there: tests/faults/wrapalloc.c).

PREFIX  ?= /usr/local
CC      ?= cc
BUILD   ?= build
VERSION := 0.1.0

WARN    := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion \
           -Wstrict-prototypes -Wmissing-prototypes -Werror
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -DFEDPLAN_VERSION='"$(VERSION)"' -MMD -MP
CFLAGS  ?= -O2 -g
# project flags stay on whatever CFLAGS the caller passes (make check passes its own)
FP_CFLAGS := $(WARN) -fopenmp
LDLIBS  += -lyaml -ljansson -lglpk -lm -fopenmp

LIB_SRC := common/fperror.c common/units.c common/text.c common/textbuf.c common/atomic.c \
           estimator/params.c estimator/footprint.c estimator/names.c estimator/options.c \
           inventory/ydoc.c inventory/hfconfig.c inventory/catalog.c inventory/caps.c \
           inventory/safetensors.c inventory/gguf.c inventory/quantcfg.c inventory/hfcache.c inventory/modelfile.c inventory/resolve.c inventory/skypilot.c \
           solver/solver.c solver/context.c solver/pricing.c solver/multigpu.c solver/enumerate.c solver/master.c \
           solver/colgen.c solver/mip.c solver/arcflow.c solver/rounding.c solver/compact.c solver/bounds.c solver/greedy.c solver/verify.c solver/classes.c solver/lns.c scenarios/scenario.c scenarios/plan.c \
           emit/emit.c emit/launch.c emit/compose.c emit/kube.c emit/skypilot.c emit/readme.c
CLI_SRC := cli/main.c cli/common.c cli/report.c cli/html.c cli/cmd_estimate.c cli/cmd_catalog.c cli/cmd_plan.c cli/cmd_compare.c cli/cmd_sweep.c cli/cmd_fit.c cli/emit_dir.c
UNIT_SRC := $(wildcard tests/unit/*.c)
CATALOGS := inventory/models.yaml inventory/gpus.yaml inventory/nodes.yaml inventory/instances.yaml

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/catalog_data.o
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)

.PHONY: all deps test check valgrind bench bench-vpsolver demo install uninstall clean fuzz
all: deps-ok fedplan

fedplan: $(BUILD)/fedplan
	cp $< $@

$(BUILD)/fedplan: $(LIB_OBJ) $(CLI_OBJ)
	$(CC) $(FP_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the unit tests also run the plan's reports (cli/report.c, cli/html.c: no GLPK, no main)
$(BUILD)/test_unit: $(LIB_OBJ) $(UNIT_OBJ) $(BUILD)/cli/report.o $(BUILD)/cli/html.o
	$(CC) $(FP_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# fedplan with its allocations failing on demand (FAIL_AT=N: tests/faults/wrapalloc.c), for the
# fault tests of the sanitizer build, where a preloaded allocator cannot sit beside ASan's
WRAP_ALLOC := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup
$(BUILD)/fedplan-faults: $(LIB_OBJ) $(CLI_OBJ) $(BUILD)/tests/faults/wrapalloc.o
	$(CC) $(FP_CFLAGS) $(CFLAGS) $(LDFLAGS) $(WRAP_ALLOC) -o $@ $^ $(LDLIBS)

# tests/emit/run.sh parses the emitted YAML with it
$(BUILD)/yamlcheck: $(BUILD)/tests/emit/yamlcheck.o
	$(CC) $(FP_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lyaml

$(BUILD)/bench_estimate: $(LIB_OBJ) $(BUILD)/bench/bench_estimate.o
	$(CC) $(FP_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench_solver: $(LIB_OBJ) $(BUILD)/bench/bench_solver.o
	$(CC) $(FP_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fleet_assign: $(LIB_OBJ) $(BUILD)/bench/fleet_assign.o
	$(CC) $(FP_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(FP_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/catalog_data.c: $(CATALOGS) inventory/embed.sh
	@mkdir -p $(BUILD)
	sh inventory/embed.sh $@ inv_builtin_models_yaml=inventory/models.yaml inv_builtin_gpus_yaml=inventory/gpus.yaml \
	    inv_builtin_nodes_yaml=inventory/nodes.yaml inv_builtin_instances_yaml=inventory/instances.yaml

$(BUILD)/catalog_data.o: $(BUILD)/catalog_data.c
	$(CC) $(CPPFLAGS) $(FP_CFLAGS) $(CFLAGS) -c -o $@ $<

# ---------------------------------------------------------------- dependencies
# Debian packages the build needs; installed when root, otherwise the exact command is printed.
DEB_PKGS := libyaml-dev libjansson-dev libglpk-dev gcc make

# and the tools the tests use where they install (tests/emit/run.sh skips shellcheck without it)
TEST_PKGS := shellcheck

deps:
	@sh tests/deps.sh install $(DEB_PKGS)
	@sh tests/deps.sh install $(TEST_PKGS) || echo "fedplan: $(TEST_PKGS) did not install: the tests skip it"
	@sh tests/validate/install.sh || echo "fedplan: the emit schema validators (npm) did not install: the tests skip them"

deps-ok:
	@sh tests/deps.sh check $(DEB_PKGS)

# ---------------------------------------------------------------- tests
test: deps-ok fedplan $(BUILD)/test_unit $(BUILD)/yamlcheck
	@sh tests/run_all.sh ./fedplan $(BUILD)/test_unit

check:
	$(MAKE) BUILD=build-san CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" build-san/fedplan build-san/fedplan-faults build-san/test_unit \
	    build-san/yamlcheck
	@FEDPLAN_SANITIZED=1 FEDPLAN_FAULTS=build-san/fedplan-faults ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    sh tests/run_all.sh build-san/fedplan build-san/test_unit

# Falkenauer sets from the shared folder when present (BPP_DIR), else the copy of u120 in tests/
BPP_DIR  ?= $(if $(wildcard ../shared/bench/bpp/OPTIMA.tsv),../shared/bench/bpp,tests/data/bpp)
BPP_SETS ?= $(if $(wildcard ../shared/bench/bpp/OPTIMA.tsv),u120 u250 u500 t120 t249,u120)

# the golden CLI tests under valgrind's memcheck: any error or leak fails the test (its output changes
# and the exit code is 99)
VALGRIND := valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --show-leak-kinds=definite,indirect
valgrind: deps-ok fedplan
	@command -v valgrind >/dev/null || sh tests/deps.sh install valgrind
	@FEDPLAN_SKIP_TIMED=1 sh tests/run_cli.sh "$(VALGRIND) ./fedplan" > build/valgrind.log 2>&1; rc=$$?; \
	    grep -v '^ok ' build/valgrind.log; exit $$rc

# ---------------------------------------------------------------- fuzzing (libFuzzer, Debian's clang)
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := scenario inventory config units cli safetensors gguf
FUZZ_FLAGS   := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB     := $(LIB_SRC:%.c=build-fuzz/%.o) build-fuzz/catalog_data.o build-fuzz/cli/common.o

build-fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB)
	clang $(CPPFLAGS) -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_LIB) -lyaml -ljansson -lglpk -lm

fuzz: deps-ok
	@command -v clang >/dev/null || sh tests/deps.sh install clang libclang-rt-14-dev
	$(MAKE) BUILD=build-fuzz CC=clang FP_CFLAGS="-std=c11 -Wall" CFLAGS="$(FUZZ_FLAGS)" \
	    $(FUZZ_LIB) $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)
	@sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench: deps-ok fedplan $(BUILD)/bench_estimate $(BUILD)/bench_solver $(BUILD)/fleet_assign
	@$(BUILD)/bench_estimate
	@echo
	@$(BUILD)/bench_solver $(BPP_DIR) $(BPP_SETS)
	@sh bench/bench_sweep.sh ./fedplan
	@echo
	@command -v cbc >/dev/null || sh tests/deps.sh install coinor-cbc || true
	@PER_SET=20 LIMIT=60 sh bench/bench_cbc.sh ./fedplan $(BPP_DIR) $(filter u%,$(BPP_SETS))
	@PER_SET=6 LIMIT=60 sh bench/bench_cbc.sh ./fedplan $(BPP_DIR) $(filter t120,$(BPP_SETS))
	@sh bench/bench_fleet.sh ./fedplan $(BUILD)/fleet_assign
	@echo
	@sh bench/bench_scaling.sh ./fedplan
	@echo
	@sh bench/bench_proof.sh ./fedplan
	@if [ -n "$(VPSOLVER_SRC)" ]; then echo; sh bench/bench_vpsolver.sh "$(VPSOLVER_SRC)" ./fedplan; \
	 else echo; echo "bench: VPSOLVER_SRC=DIR (a VPSolver checkout) adds fedplan beside VPSolver's arc-flow model"; fi

# fedplan beside VPSolver alone: make bench-vpsolver VPSOLVER_SRC=DIR
bench-vpsolver: deps-ok fedplan
	@sh bench/bench_vpsolver.sh "$(VPSOLVER_SRC)" ./fedplan

demo: deps-ok fedplan
	@sh scenarios/demo.sh ./fedplan

# ---------------------------------------------------------------- install
install: fedplan
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/fedplan $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 fedplan $(DESTDIR)$(PREFIX)/bin/fedplan
	install -m 644 $(CATALOGS) $(DESTDIR)$(PREFIX)/share/fedplan/
	install -m 644 docs/fedplan.1 $(DESTDIR)$(PREFIX)/share/man/man1/fedplan.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/fedplan $(DESTDIR)$(PREFIX)/share/man/man1/fedplan.1
	rm -rf $(DESTDIR)$(PREFIX)/share/fedplan

clean:
	rm -rf build build-san build-fuzz fedplan

-include $(shell find build build-san -name '*.d' 2>/dev/null)
