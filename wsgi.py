from ocop_market import create_app

app = create_app()
