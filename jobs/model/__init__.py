"""Values that planners make and adapters take: calendar events, folders and their changes."""
