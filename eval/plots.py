"""Report figures (matplotlib, Agg backend): PNG bytes, embedded in HTML and saved beside Markdown."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def per_label_f1(per_label: dict[str, dict], title: str) -> bytes:
    labels = list(per_label)
    f1 = [per_label[k]["f1"] for k in labels]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(labels) + 1))
    bars = ax.barh(labels[::-1], f1[::-1], color="#4c72b0")
    for bar, value in zip(bars, f1[::-1]):
        ax.text(min(value + 0.01, 0.93), bar.get_y() + bar.get_height() / 2, f"{value:.2f}", va="center")
    ax.set_xlim(0, 1)
    ax.set_xlabel("F1")
    ax.set_title(title)
    return _png(fig)


def confusion_matrix(table: dict[str, dict[str, int]]) -> bytes:
    rows, cols = list(table), list(next(iter(table.values())))
    data = np.array([[table[r][c] for c in cols] for r in rows], dtype=float)
    fig, ax = plt.subplots(figsize=(1.0 + 0.7 * len(cols), 1.0 + 0.5 * len(rows)))
    ax.imshow(np.log1p(data), cmap="Blues")
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for i in range(len(rows)):
        for j in range(len(cols)):
            if data[i, j]:
                ax.text(j, i, int(data[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if data[i, j] > data.max() / 2 else "black")
    ax.set_title("Entity confusion (overlapping spans)")
    return _png(fig)


def reliability(bins: list[dict], relation_bins: list[dict] | None = None) -> bytes:
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    for name, head, color in (("entities", bins, "#dd8452"), ("relations", relation_bins or [], "#4c72b0")):
        xs = [b["mean_score"] for b in head if b["count"]]
        ys = [b["accuracy"] for b in head if b["count"]]
        if not xs:
            continue
        sizes = [20 + 200 * b["count"] / max(1, max(bb["count"] for bb in head)) for b in head if b["count"]]
        ax.plot(xs, ys, "-", color=color)
        ax.scatter(xs, ys, s=sizes, color=color, label=f"{name} (size = count)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("predicted score")
    ax.set_ylabel("share exactly correct")
    ax.set_title("Reliability of scores")
    ax.legend(loc="upper left", fontsize=8)
    return _png(fig)


def training_curves(log: dict[str, list[dict]]) -> bytes:
    fig, axes = plt.subplots(1, len(log), figsize=(5 * len(log), 3.5), squeeze=False)
    for ax, (stage, history) in zip(axes[0], log.items()):
        steps = [h["step"] for h in history if "loss" in h]
        loss = [h["loss"] for h in history if "loss" in h]
        ax.plot(steps, loss, color="#4c72b0", label="train loss")
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax2 = ax.twinx()
        evals = [(h["step"], h["eval_f1"]) for h in history if "eval_f1" in h]
        if evals:
            ax2.plot(*zip(*evals), "o-", color="#c44e52", label="dev F1")
            ax2.set_ylim(0, 1)
            ax2.set_ylabel("dev F1")
        ax.set_title(stage)
    return _png(fig)
