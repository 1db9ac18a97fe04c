"""The fit itself: ``automl.fit`` (:mod:`~automl._fit.api`) runs the stages in order
(:mod:`~automl._fit.stages`), and ``FitResult.fit_extra`` continues the search
(:mod:`~automl._fit.extra`)."""
