# The interface of this repository; 'make help' lists the targets.
# Variables: KDIR=<kernel git tree> BASE=<rev> CACHE=<dir> N=<patches>
#            PRESSURE=none|shrinker ENTRIES="<plan entries>" REPEAT=<n>
SHELL := /bin/bash
S := scripts
N ?=
ENTRIES ?=
export KDIR BASE CACHE PRESSURE STEPS INJECT

.PHONY: help deps base apply run check ci bisect bench negative export import test-harness clean

help:
	@echo "make deps          install the Debian packages the build and run need (root),"
	@echo "                   and build a sparse that the kernel accepts into CACHE"
	@echo "make base          download and unpack the base tree (or check KDIR=, BASE=)"
	@echo "make apply         apply 'series' to a work tree at the base (N= for the first N)"
	@echo "make run           deps, base, apply, build, boot, run the test plan (KTAP + summary)"
	@echo "make check         run + checkpatch, git am, bisect build, harness tests;"
	@echo "                   shrinker pressure on; ends with 'N passed, N failed'"
	@echo "make ci            what kernel CI would run, beyond check: the config matrix"
	@echo "                   (W=1, gcc and clang), the debug kernel (KASAN, kmemleak) with"
	@echo "                   and without injected allocation failures, kselftest skips,"
	@echo "                   git bisect run; ends with 'N passed, N failed'"
	@echo "make bisect        for each patch N: apply 1..N, build, boot, run its plan entries"
	@echo "make bench         base vs patched, benchmark entries (ENTRIES=, REPEAT=5)"
	@echo "make negative      series + each selftests/negative/*.patch (NEG= to pick): its entries must fail"
	@echo "make export        kernel branch (BRANCH=, default kvm-mmu-series) -> patches/ + series;"
	@echo "                   b4 prep's cover letter (b4/BRANCH) -> cover-letter.txt"
	@echo "make import        patches/ + series -> a kernel branch (BRANCH=kvm-mmu-series), and"
	@echo "                   b4/BRANCH for b4 prep and b4 send: cover-letter.txt + the series"
	@echo "make test-harness  only the harness's own tests"
	@echo "make clean         remove results/ (CACHE holds the trees and builds)"

deps:
	@$(S)/install-deps.sh
	@$(S)/get-sparse.sh

base: deps
	@$(S)/get-base.sh

apply: base
	@$(S)/apply.sh $(N)

run: deps
	@$(S)/run.sh $(if $(N),-n $(N)) $(ENTRIES)

check:
	@$(S)/check.sh

ci:
	@$(S)/ci.sh

bisect: deps
	@$(S)/bisect.sh $(ENTRIES)

bench: deps
	@$(S)/bench.sh $(ENTRIES)

negative: deps
	@$(S)/negative.sh $(NEG)

export:
	@$(S)/export.sh $(BRANCH)

import:
	@$(S)/import.sh $(BRANCH)

test-harness: deps
	@$(S)/test-harness.sh

clean:
	rm -rf results
