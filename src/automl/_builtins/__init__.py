"""The built-in plugins: scikit-learn models, default preprocessors and Optuna tuners.

Each module here is an entry point of the core distribution in the ``automl`` group, loaded by
the same path as any third-party plugin.
"""
