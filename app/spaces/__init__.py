"""Personal and enterprise spaces (一人一档、一企一档): "download my data", license import."""
