"""`corespond train-text-model FILE.csv ... --out MODEL.json`: trains the statistical reader offline.

Fits the model `triage.text_model` reads (logistic regression over TF-IDF word unigrams and bigrams,
scikit-learn) on labelled call files in `corespond triage-eval`'s format, and writes it as JSON: the
weights, the files and counts it learnt from, and check probabilities that scikit-learn computed
for a sample of the training texts, which the runtime reader must reproduce. Deterministic: the same
files give the same model. scikit-learn is needed here only (the `dev` extra); the service reads the
JSON with plain Python.

Train only on development files: a blind file joins training after its first-look score is logged,
never before (docs/triage.md, "The statistical reader").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service.triage_eval import LabeledCall, read_labeled_csv
from triage.text_model import FORMAT, TOKEN_PATTERN, call_text

__all__ = ["DEFAULT_C", "render", "train", "train_files"]

DEFAULT_C = 10.0
"""Inverse L2 regularization strength, chosen by the replay of rounds 4-8 (docs/triage.md)."""
_CHECKS = 40
_DIGITS = 8


def train(calls: Sequence[LabeledCall], sources: Sequence[str], c: float = DEFAULT_C) -> dict[str, Any]:
    """The model document for these calls (each call's nature code and whole narrative)."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415 - a dev-only dependency
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    if len({c.label for c in calls}) < 2:
        raise ValueError("training needs both crisis (label 1) and other (label 0) calls")
    texts = [call_text(call.facts.nature_code, call.facts.narrative) for call in calls]
    labels = [int(call.label) for call in calls]
    vectorizer = TfidfVectorizer(
        lowercase=True, token_pattern=TOKEN_PATTERN, ngram_range=(1, 2), min_df=2, sublinear_tf=True
    )
    matrix = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    model.fit(matrix, labels)
    coefficients = model.coef_[0]
    terms = {
        term: [round(float(coefficients[i]), _DIGITS), round(float(vectorizer.idf_[i]), _DIGITS)]
        for term, i in sorted(vectorizer.vocabulary_.items())
    }
    step = max(1, len(texts) // _CHECKS)
    sample = texts[::step][:_CHECKS]
    probabilities = model.predict_proba(vectorizer.transform(sample))[:, 1]
    return {
        "format": FORMAT,
        "trained_on": {
            "files": list(sources),
            "cases": len(calls),
            "crises": sum(labels),
            "sha256": hashlib.sha256("\n".join(texts).encode()).hexdigest(),
        },
        "learner": {"estimator": "LogisticRegression", "C": c, "class_weight": "balanced", "min_df": 2},
        "token_pattern": TOKEN_PATTERN,
        "ngram_range": [1, 2],
        "intercept": round(float(model.intercept_[0]), _DIGITS),
        "checks": [
            {"text": t, "probability": round(float(p), _DIGITS)}
            for t, p in zip(sample, probabilities, strict=True)
        ],
        "terms": terms,
    }


def train_files(files: Sequence[Path], out: Path, c: float = DEFAULT_C) -> dict[str, Any]:
    """Read the labelled files, train, write the model to `out`; the document written."""
    calls = [call for path in files for call in read_labeled_csv(path)]
    document = train(calls, [path.name for path in files], c)
    out.write_text(render(document), encoding="utf-8")
    return document


def render(document: dict[str, Any]) -> str:
    """The document as JSON with one term per line, so that a retrained model diffs by term."""
    head = [f"{json.dumps(key)}: {json.dumps(value)}" for key, value in document.items() if key != "terms"]
    terms = [f"  {json.dumps(term)}: {json.dumps(pair)}" for term, pair in document["terms"].items()]
    return "{\n" + ",\n".join([*head, '"terms": {\n' + ",\n".join(terms) + "\n}"]) + "\n}\n"
