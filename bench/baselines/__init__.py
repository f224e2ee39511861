"""Scripts as many tutoring programs write them today, to measure tutorsync against."""
