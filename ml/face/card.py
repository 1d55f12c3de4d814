"""The face model's card (Markdown) from its evaluation and config."""

from __future__ import annotations


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def model_card(r: dict, config: dict) -> str:
    """The card: what the model does, its architecture and training, its validation results, and
    the fixed limitations and retraining sections."""
    return _what_it_does(r, config) + _model(config) + _results(r) + _LIMITATIONS_AND_RETRAIN


def _networks(config: dict) -> str:
    n = config.get("members", {}).get("count", 1)
    return "a compact CNN gives" if n == 1 else f"{n} compact CNNs (their logits averaged) give"


def _what_it_does(r: dict, config: dict) -> str:
    return f"""# Face expression model `{r['model_version']}`

**Research and non-commercial use only.** It is trained on FER-2013, which was released for
research through the ICML 2013 challenge. To use it in a product, retrain it on expression images
you hold a licence for (see "Retrain").

## What it does

Given a camera frame (or a few frames of the same moment), OpenCV's frontal-face Haar cascade
(the trained file ships inside the `opencv-python-headless` 4.x wheel) finds the largest face; the
face box, widened by 10%, is cut from the greyscale frame and resized to 48x48; each crop is
standardised (zero mean, unit variance) and {_networks(config)} logits over the voice model's
seven labels (angry, disgust, fearful, happy, neutral, sad, surprised), for the crop and for its
mirror image, averaged (+0.5 points of accuracy for about 0.2 ms per face per network). Frames' logits are
averaged and divided by the temperature ({r['temperature']:.3f}) before the softmax, so the
probabilities are calibrated and can be fused with the voice's. Faces are not aligned by the
eyes: training rotates crops by up to ±12° instead.

"""


def _model(config: dict) -> str:
    m, t = config["model"], config["train"]
    first = config.get("members", {}).get("networks", [config])[0]  # an ensemble's first network
    return f"""## Model

Four blocks of 3x3 convolution + batch norm + ReLU (filters {m['filters']}, convolutions per block
{m['convs_per_block']}), 2x2 max pooling between blocks, global average pooling, dropout
{m['dropout']}, one dense layer. Served as an ONNX graph built from the Keras weights
(batch norm folded into the convolutions); TensorFlow is not imported at serving time.

Training: {t['epochs']} epoch(s), batch {t['batch_size']}, Adam with warm-up and cosine decay
(peak {t['learning_rate']}), on 90% of FER-2013's 28,709 training images; a fresh augmented copy
of each image every epoch (mirror, shifts up to 8%, rotations up to 12°, zoom up to 10%,
brightness, contrast, gamma); class weights (n / (7 n_class)) ^ {t['balance_power']} so the rare
disgust (1.5% of the images) counts about 3x. The other 10% (stratified) picked the best epoch
(accuracy {_pct(first['held_out_accuracy'])}) and fitted the temperature. Training took
{first['train_seconds'] / 60:.0f} min (wall clock) on a 2-core CPU shared with other work, under `nice`.
{_ensemble(config)}
"""


def _ensemble(config: dict) -> str:
    """How the networks of an ensemble differ, in words (nothing for one network)."""
    members = config.get("members", {}).get("networks", [])
    if len(members) < 2:
        return ""
    seeds = ", ".join(str(m["train"]["seed"]) for m in members)
    alone = ", ".join(_pct(m["held_out_accuracy"]) for m in members)
    minutes = ", ".join(f"{m['train_seconds'] / 60:.0f}" for m in members)
    return f"""
An ensemble of {len(members)} such networks, trained alike with seeds {seeds} (weights, augmentation
and batch order differ; all on the same 90%; {minutes} min of training each, the later ones on one
core each), whose logits are averaged in one ONNX graph. On the
held-out tenth each network alone scored {alone}; together {_pct(config['held_out_accuracy'])}
(`python -m ml face ensemble`; the temperature is fitted on the averaged logits there).
"""


def _results(r: dict) -> str:
    labels = r["labels"]
    rows = "\n".join(f"| {lab} | {_pct(r['recall'][lab])} | {r['support'][lab]} |" for lab in labels)
    head = "| true \\ predicted | " + " | ".join(labels) + " |\n|---" * 1 + "|---" * len(labels) + "|"
    conf = "\n".join(f"| **{lab}** | " + " | ".join(str(v) for v in row) + " |"
                     for lab, row in zip(labels, r["confusion"], strict=True))  # fmt: skip
    rel = r["reliability"]
    rel_rows = "\n".join(f"| {i / 10:.1f}–{(i + 1) / 10:.1f} | {n} | {c:.2f} | {a:.2f} |"
                         for i, (n, c, a) in enumerate(zip(rel["count"], rel["confidence"], rel["accuracy"], strict=True))
                         if n)  # fmt: skip
    framed_txt, speed_txt = _in_frame(r), _speed(r)
    return f"""## Results on FER-2013's validation images ({r['images']}, never used in training or calibration)

- **Accuracy: {_pct(r['accuracy'])}** (target 66%; humans about 65%; the best single networks
  published about 73%)
- **Macro recall: {_pct(r['macro_recall'])}**, macro F1 {_pct(r['macro_f1'])}
- Calibration: expected calibration error {r['ece']:.3f} with the temperature
  ({r['ece_uncalibrated']:.3f} without); negative log-likelihood {r['nll']:.3f}

| label | recall | images |
|---|---|---|
{rows}

Confusion matrix (rows: true label, columns: predicted):

{head}
{conf}

Reliability (calibrated confidence bins):

| confidence | images | mean confidence | accuracy |
|---|---|---|---|
{rel_rows}

### The whole served path

{framed_txt}

### Speed

{speed_txt}

"""


def _in_frame(r: dict) -> str:
    """The whole served path on faces inside larger frames, in words."""
    framed = r.get("in_frame")
    framed_txt = (f"Validation faces placed inside larger frames (each face upscaled to "
                  f"{framed['face_px']} px in a {framed['frame']} frame of noise and gradient, as a webcam "
                  f"frame would hold it) go through the whole served path (detection, crop, model): the "
                  f"detector finds a face in {_pct(framed['detected'])} of {framed['images']} frames, and on "
                  f"those the expression is right {_pct(framed['accuracy_detected'])} of the time "
                  f"(the crop-only model on the same images: {_pct(framed['accuracy_crops'])}).") if framed else \
        "Not measured for this version."  # fmt: skip
    return framed_txt


def _speed(r: dict) -> str:
    """Per-frame CPU time, in words."""
    speed = r.get("speed_ms")
    speed_txt = (f"One 640x480 JPEG frame on one core (OpenCV and ONNX Runtime, one thread; "
                 f"`benchmarks/bench_face.py`), median CPU time: {speed['total']:.1f} ms (decoding "
                 f"{speed['decode']:.1f} ms, detection {speed['detect']:.1f} ms, model {speed['model']:.1f} ms). "
                 f"Target: at most 30 ms.") if speed else "Run `benchmarks/bench_face.py`."
    return speed_txt


_LIMITATIONS_AND_RETRAIN = """## Limitations

- FER-2013 holds web images found by keyword search: many are posed or exaggerated expressions,
  some are mislabelled or not faces. Spontaneous, subtle expressions in front of a webcam are
  harder; expect lower accuracy than above.
- Lighting: crops are standardised per image and training varies brightness, contrast and
  gamma, but side light, back light and very dim frames still hurt, and the Haar cascade misses
  faces in them (then the voice carries the result).
- The cascade finds frontal faces only: a head turned more than about 30°, a face partly
  covered, or a face smaller than 12% of the frame's shorter side counts as "no face".
- Coverage: FER-2013 has no demographic labels; it is known to hold mostly adults and lighter
  skin tones, few children and older people. Accuracy for under-represented groups is not
  measured and may be lower. Disgust has few examples (436) and its recall is the least reliable.
- An expression is not a feeling: the model reads what a face shows, which people control.

## Retrain

```bash
for seed in 1234 2 3; do            # reads $MOODIFY_DATA_DIR/faces/fer2013/train
  python -m ml face train --seed $seed --split-seed 1234 --out /tmp/face-$seed
done
python -m ml face ensemble /tmp/face-1234 /tmp/face-2 /tmp/face-3 --out ml/artifacts/face
# or grow the shipped ensemble by a network trained on the same split (its networks are kept):
# python -m ml face ensemble ml/artifacts/face /tmp/face-4 --out /tmp/face-grown
python -m ml face evaluate         # scores val/, writes evaluation.json and this card
python benchmarks/bench_face.py    # per-frame speed
```

On licensed data: put 48x48 (or larger; they are resized) greyscale or colour face crops in
`<data>/faces/fer2013/train/<angry|disgust|fear|happy|neutral|sad|surprise>/` and a held-out set
in `val/` in the same layout, set `MOODIFY_DATA_DIR=<data>`, and run the three commands. Crops
should be cut the way serving cuts them (the Haar box widened by 10%) for the best match.
"""
