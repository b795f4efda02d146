"""The apps students use: explorer, case player, red-flag drill, hip-or-back map, pathway, providers."""
