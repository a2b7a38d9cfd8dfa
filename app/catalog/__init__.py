"""The catalog: matters, bundles, questionnaires and merged-form definitions (data files)."""
