"""Pure vocabulary: text cleaning, states, models, agency types, dates, links."""
