"""Back end: JAX emission, the compiled model, save/load."""
