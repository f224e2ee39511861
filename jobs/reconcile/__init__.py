"""Pure reconciling: parsed sources matched to students, and their figures."""
