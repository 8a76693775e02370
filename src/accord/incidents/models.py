"""Models of the incidents app."""
