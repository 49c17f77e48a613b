"""Events service: exhibitions, seminars and business-matching sessions with registration and meetings."""
