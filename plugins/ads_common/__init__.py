"""What the ad-platform connectors (google_ads, meta_ads) share: daily totals per campaign,
date windows with an attribution look-back, and reading the platforms' UI CSV exports."""
