"""What a fit returns and what ``automl.load`` reads back: :class:`FitResult` and its
saved form."""
