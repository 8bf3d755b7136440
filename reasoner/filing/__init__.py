"""The court filing of a finished run: motions, orders, Exhibit 1 and the lists."""
