{#-
    The funnel mapping (seeds/funnel_steps.csv) names stages and activity types that the export
    must list: a stage missing from stages.csv would leave its step empty, quarantining every deal
    change to it; a missing activity type means an export from another CRM set-up. A missing value stops the build with the export file, its column and the value,
    and the step that maps it (a plain relationships test would name only the test).
-#}
{% test listed_in_export(model, column_name, to, field, export_file, export_column, step_column='kpi_name') %}
    {%- set missing_sql -%}
        select mapping.{{ column_name }} as value, mapping.{{ step_column }} as step
        from {{ model }} as mapping
        left join {{ to }} as listed
            on mapping.{{ column_name }} = listed.{{ field }}
        where mapping.{{ column_name }} is not null and listed.{{ field }} is null
    {%- endset -%}
    {%- if execute -%}
        {%- set missing = run_query(missing_sql ~ ' order by 1') -%}
        {%- if missing.rows | length > 0 -%}
            {%- set value, step = missing.rows[0] -%}
            {{ exceptions.raise_compiler_error(
                export_file ~ ", column " ~ export_column ~ ": no line has " ~ (value ~ '') | tojson
                ~ ", which the funnel mapping (" ~ model.identifier ~ ", column " ~ column_name
                ~ ") maps to the step " ~ step | tojson ~ ": the export and the funnel disagree"
                ~ " (a stage's step would count no deal). Export it again with "
                ~ (value ~ '') | tojson ~ ", or change the mapping"
            ) }}
        {%- endif -%}
    {%- endif -%}
    {{ missing_sql }}
{% endtest %}
