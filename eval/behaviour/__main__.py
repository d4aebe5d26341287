"""``python -m toll.eval.behaviour``: the runner (:mod:`toll.eval.behaviour.run`)."""

from toll.eval.behaviour.run import main

if __name__ == "__main__":
    raise SystemExit(main())
