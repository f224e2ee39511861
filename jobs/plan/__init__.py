"""Pure planners: desired state against current state, as actions and tabs."""
