"""Repair workers: Celery tasks, the repair loop and the parts it calls."""
