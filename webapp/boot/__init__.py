"""The kit's boot step (`venuekit boot`): settings file, first-boot secrets, network, kit-ready slip."""
