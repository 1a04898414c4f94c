"""Disaster-plan layers: shelters, hazards, evacuation and reports."""
