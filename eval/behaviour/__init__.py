"""Behavioural tests in the manner of CheckList (Ribeiro et al., ACL 2020).

Hand-written cases over capabilities the guidelines decide (arrests vs killings, negation,
hypotheticals, running tolls, attackers' deaths, claims in another sentence, ...), stored as data
in ``data/behaviour/*.yaml`` and never used for training or threshold tuning. Each case is a
minimum-functionality test, a minimal pair or an invariance to a dateline or headline.

- :mod:`toll.eval.behaviour.cases`: the case format, loading, and the suite checks;
- :mod:`toll.eval.behaviour.judge`: how the model's casualty records are matched to a case;
- :mod:`toll.eval.behaviour.report`: pass rates per capability, the failing cases;
- :mod:`toll.eval.behaviour.run`: ``python -m toll.eval.behaviour --model DIR --out DIR``.
"""
