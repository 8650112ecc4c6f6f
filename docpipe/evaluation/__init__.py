"""The measuring half of `docpipe eval`: pure functions over labels, results and pages, with
no engine and no AWS, so they run (and are tested) on their own.

- `labelled`: reads a labels CSV (`file,label`) and matches its rows to the input files.
- `metrics`: accuracy, macro-F1, per-label scores, the confusion matrix, calibration (ECE),
  the `other` and review shares, tokens and cost per document.
- `faithfulness`: whether each summary point's cited pages support it (lexically), and
  ROUGE-L against a reference summary.
- `report`: the Markdown report with its JSON sidecar, and the comparison with a baseline.
"""
