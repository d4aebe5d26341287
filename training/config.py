"""The training config: one typed, strict YAML file per run (unknown keys are errors).

>>> cfg = load_train_config("configs/smoke.yaml", ["--tagger.epochs", "2"])
>>> cfg.tagger.epochs, cfg.encoder
(2.0, 'bundled:minilm-l6')
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Sequence

from pydantic import BaseModel, ConfigDict, Field, model_validator

from toll.models.common.yaml_config import load_config


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# The splits each public reader has (training/readers); "all" reads every document it has.
PUBLIC_SPLITS = {"re3d": ("all",), "muc4": ("train", "dev", "test", "all"), "polnear": ("train", "dev", "test")}


class PublicSource(Strict):
    """A public corpus added to the tagger's training data, relabelled with its mapping.

    >>> PublicSource(corpus="polnear", limit=20).split
    'train'
    """

    corpus: Literal["re3d", "muc4", "polnear"]
    split: Literal["train", "dev", "test", "all"] = Field(
        "train", description="re3d (original JSON) has no splits: use all")
    limit: int | None = Field(None, ge=1, description="N documents chosen by a stable hash of their ids")
    mapping: str | None = Field(None, description="label mapping YAML (default configs/mappings/<corpus>.yaml)")

    @model_validator(mode="after")
    def _split_exists(self) -> "PublicSource":
        if self.split not in PUBLIC_SPLITS[self.corpus]:
            raise ValueError(f"{self.corpus} has no split {self.split!r}; use one of {PUBLIC_SPLITS[self.corpus]}")
        return self


class DataConfig(Strict):
    corpus: str = "data/corpus"
    splits: str = "data/splits.json"
    seeds: str | None = "seeds"
    standoff: str | None = Field(
        "data/standoff", description="standoff annotations of texts that may not be committed (MUC-4, BBC Online), "
                                     "joined with their text from the datasets folder; skipped when it is absent")
    train_limit: int | None = Field(None, ge=1, description="use only the first N training articles")
    dev_limit: int | None = Field(None, ge=1)
    public: list[PublicSource] = Field(
        default_factory=list, description="public corpora added to the tagger's training data (not to dev or test)")
    datasets_dir: str | None = Field(
        None, description="folder holding re3d/, muc4/, polnear/ (default: $TOLL_DATASETS, else ../shared/datasets)")
    partial_annotation: Literal["mask", "as_o"] = Field(
        "mask", description="tokens a public corpus leaves unannotated: mask (any tag of an unannotated "
                            "label or O) or as_o (plain O, the naive method)")


class WindowConfig(Strict):
    max_tokens: int = Field(128, ge=16, le=512, description="encoder window incl. special tokens")
    overlap_sentences: int = Field(1, ge=0)


class OptimConfig(Strict):
    epochs: float = Field(10, gt=0)
    learning_rate: float = Field(2e-4, gt=0)
    batch_size: int = Field(16, ge=1)
    weight_decay: float = Field(0.01, ge=0)
    warmup_ratio: float = Field(0.1, ge=0, lt=1)
    patience: int = Field(3, ge=1, description="evaluations without dev improvement before stopping")
    max_steps: int = Field(-1, description="stop after this many steps (-1: no limit)")
    save_steps: int | None = Field(None, ge=1, description="checkpoint every N steps (default: each epoch)")


class TaggerConfig(OptimConfig):
    select_metric: Literal["f1", "macro_f1"] = Field(
        "f1", description="dev score that picks the checkpoint: strict micro-F1, or macro-F1 over labels")


class RelationConfig(OptimConfig):
    epochs: float = 8
    learning_rate: float = 1e-4
    sentence_window: int = Field(1, ge=0, description="candidate tails within this many sentences")
    max_tokens: int = Field(256, ge=32, le=512)


class TrainConfig(Strict):
    seed: int = 13
    output_dir: str = "runs/default/model"
    schema_path: str = Field("configs/schema.yaml", alias="schema")
    encoder: str = "bundled:minilm-l6"
    precision: Literal["fp32", "bf16", "auto"] = Field(
        "fp32", description="training arithmetic; auto: bf16 where the hardware has it (AMX, AVX-512 BF16, "
                            "recent GPUs), else fp32")
    case_marker: bool = Field(False, description="mark capitalized words for uncased encoders")
    data: DataConfig = DataConfig()
    windows: WindowConfig = WindowConfig()
    tagger: TaggerConfig = TaggerConfig()
    relations: RelationConfig = RelationConfig()

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def load_train_config(path: str | Path, overrides: Sequence[str] = ()) -> TrainConfig:
    return load_config(path, TrainConfig, overrides)
