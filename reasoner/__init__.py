"""Reasoner: drive clingo over the programs, extract decisions and justifications."""
