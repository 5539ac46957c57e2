"""The text route: input/output records for fine-tuning, checked, deduplicated, measured for
diversity and steered towards it (``sdgen text``, ``sd.generate_text``).

    parse      replies in any layout -> records + every unreadable piece with its reason
    checks     one record against the spec -> tidied record + failures with codes
    embed      records -> unit vectors (all-MiniLM-L6-v2 in numpy, OpenAI, hashing)
    generate   batched requests per topic, read, checked, deduplicated, regenerated
    diversity  KMeans with k by silhouette, entropy, imbalance, distinct-n, the PNG
    route      the order: topics, records, measure, steer
    export     OpenAI chat fine-tuning JSONL, checked on write; the held-out split
    save       the run directory and ``TextRun``
"""
