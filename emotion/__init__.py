"""Voice submissions and the emotion results the model produces for them."""
