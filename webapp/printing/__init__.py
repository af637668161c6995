"""Printing for the kit: durable print jobs in the kit's database, handed to the printer package."""
